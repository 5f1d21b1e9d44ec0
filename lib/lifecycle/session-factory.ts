import { SessionConfigError } from '../session.exceptions.js';
import type { ResolvedSessionOptions, SessionRequest } from '../session.options.js';
import { Session, setInternals, type SessionControls } from '../session.js';
import type { SessionData, SessionMeta, SessionRecord } from '../stores/session-record.js';
import { dataTextOf } from '../stores/known-json.js';
import {
  publicIdOf,
  randomSecretId,
  SECRET_ID_FORMAT,
  type TokenSigner,
  type VerifiedToken,
} from '../transport/session-token.js';
import { syncExposedId } from './exposed-session.js';
import type { RequestState } from './request-state.js';
import { cleanData, replaceData, type Internals } from './session-internals.js';
import { newMeta } from './session-meta.js';

/**
 * Builds Session objects: fresh ones (new id, nothing stored yet), ones from
 * a stored record, and resets (regenerate, destroy, a vanished record). Also
 * what a new session records about its client (User-Agent, fingerprint).
 */
export class SessionFactory {
  constructor(
    private readonly options: ResolvedSessionOptions,
    private readonly signer: TokenSigner,
    /** Where the sessions' methods go (the runtime's SessionMethods). */
    private readonly owner: () => SessionControls,
  ) {}

  fresh(state: RequestState | undefined, maxAge: number): Session {
    const secretId = this.newSecretId();
    const meta = newMeta(Date.now(), maxAge, this.options.absoluteMaxAge, state ? this.clientMeta(state) : {});
    return this.create({
      secretId,
      id: publicIdOf(secretId),
      isNew: true,
      meta,
      snapshot: new Map(),
      baseline: '{}',
      request: state,
      clearCookie: false,
      resend: false,
      gone: false,
      lifetimeChanged: false,
      queue: Promise.resolve(),
      busy: 0,
    });
  }

  fromRecord(
    { secretId, id }: VerifiedToken,
    record: SessionRecord,
    state: RequestState | undefined,
    resend = false,
  ): Session {
    const data = cleanData(record.data);
    // The store's own text of the data when it has one (see known-json.ts), else the data serialised.
    const baseline = (data === record.data ? dataTextOf(data) : undefined) ?? JSON.stringify(data);
    const session = this.create({
      secretId,
      id,
      isNew: false,
      meta: record.meta,
      snapshot: undefined,
      baseline,
      request: state,
      clearCookie: false,
      resend,
      gone: false,
      lifetimeChanged: false,
      queue: Promise.resolve(),
      busy: 0,
    });
    Object.assign(session, data);
    return session;
  }

  /** Turn a session into a new, unsaved one with a new id, holding `data`. */
  reset(session: Session, i: Internals, data: SessionData, maxAge: number): void {
    replaceData(session, data);
    i.secretId = this.newSecretId();
    i.id = publicIdOf(i.secretId);
    i.isNew = true;
    i.meta = newMeta(Date.now(), maxAge, this.options.absoluteMaxAge, i.request ? this.clientMeta(i.request) : {});
    i.snapshot = new Map();
    i.baseline = undefined;
    i.clearCookie = true;
    i.resend = false;
    i.gone = false;
    i.lifetimeChanged = false;
    syncExposedId(i.request);
  }

  /** Draw another id (after a collision on create). */
  renew(i: Internals): void {
    i.secretId = this.newSecretId();
    i.id = publicIdOf(i.secretId);
    syncExposedId(i.request);
  }

  /** A stored fingerprint matches under any configured secret (so rotation keeps sessions). */
  fingerprintMatches(meta: SessionMeta, state: RequestState): boolean {
    if (!this.options.fingerprint || meta.fingerprint === undefined) return true;
    const presented = this.fingerprintOf(state) ?? '';
    for (let k = 0; k < this.signer.secretCount; k++) {
      if (this.signer.keyedHash(presented, k) === meta.fingerprint) return true;
    }
    return false;
  }

  private create(internals: Internals): Session {
    const session = new Session(this.owner());
    setInternals(session, internals);
    return session;
  }

  private clientMeta(state: RequestState): Pick<SessionMeta, 'userAgent' | 'fingerprint'> {
    const ua = state.exchange.raw.headers['user-agent'];
    const meta: Pick<SessionMeta, 'userAgent' | 'fingerprint'> = {};
    if (typeof ua === 'string' && ua !== '') meta.userAgent = ua.slice(0, 256);
    const fingerprint = this.fingerprintOf(state);
    if (fingerprint !== undefined) meta.fingerprint = this.signer.keyedHash(fingerprint);
    return meta;
  }

  private fingerprintOf(state: RequestState): string | undefined {
    return this.options.fingerprint?.(state.exchange.request as SessionRequest);
  }

  private newSecretId(): string {
    const id = this.options.genid ? this.options.genid() : randomSecretId();
    if (typeof id !== 'string' || !SECRET_ID_FORMAT.test(id)) {
      throw new SessionConfigError('genid', 'returned an id that is not 22 to 128 base64url characters');
    }
    return id;
  }
}
