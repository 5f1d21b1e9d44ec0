import { Inject, Injectable, type LoggerService } from '@nestjs/common';
import { RESOLVED_SESSION_OPTIONS, SESSION_LOGGER } from '../session.constants.js';
import { SessionConfigError, SessionDataException } from '../session.exceptions.js';
import type { ResolvedSessionOptions, SessionRequest } from '../session.options.js';
import {
  controlsOf,
  internalsOf,
  RESERVED_SESSION_KEYS,
  Session,
  setInternals,
  type RegenerateOptions,
  type SessionControls,
  type SessionCookie,
} from '../session.js';
import { SessionStore } from '../stores/session-store.js';
import type { SessionData, SessionMeta, SessionRecord } from '../stores/session-record.js';
import { readCookie } from '../transport/cookie-codec.js';
import { pathMatches } from '../transport/cookie-path.js';
import { isSecureRequest, type HttpExchange } from '../transport/http-exchange.js';
import {
  publicIdOf,
  randomSecretId,
  SECRET_ID_FORMAT,
  TokenSigner,
  type VerifiedToken,
} from '../transport/session-token.js';
import { setState, stateOf, type RequestState } from './request-state.js';
import { diffData, snapshotOf, type Snapshot } from './session-data.js';
import { extendMeta, isExpired, newMeta, ttlOf, withOwner } from './session-meta.js';
import { RejectedTokenMonitor } from './rejected-token-monitor.js';
import { StoreGateway } from './store-gateway.js';
import { TokenDelivery } from './token-delivery.js';

/** @internal Everything the module knows about one Session object. */
interface Internals {
  secretId: string;
  id: string;
  isNew: boolean;
  meta: SessionMeta;
  /**
   * What "changed" is measured against, as of the last load or save: the JSON
   * of each top-level key (`snapshot`), and/or the JSON of the whole data
   * (`baseline`). A load keeps only the baseline, one string: a request that
   * changes nothing is told by one comparison, and the per-key snapshot is
   * derived from the baseline only when something did change.
   */
  snapshot: Snapshot | undefined;
  baseline: string | undefined;
  /** The request this session belongs to; none for token-level sessions. */
  request: RequestState | undefined;
  /** The client's cookie must be cleared unless a new token is sent. */
  clearCookie: boolean;
  /** The token must be re-sent even without a write (re-signing under the newest secret). */
  resend: boolean;
  /** The record vanished (logout elsewhere): never write it back. */
  gone: boolean;
  /** Operations on one session run one after another. */
  queue: Promise<unknown>;
  /** Operations queued or running. */
  busy: number;
}

/** One entry of `listByOwner`. */
export interface OwnedSession {
  /** Public session id, as `session.id`. */
  id: string;
  createdAt: Date;
  lastActiveAt: Date;
  userAgent?: string;
  /** True for the session of the request that asked. */
  current: boolean;
}

const MAX_ID_ATTEMPTS = 3;

/**
 * @internal The session lifecycle: read the token, hydrate, and commit
 * (create / patch / touch, then cookie or header). The interceptor, the
 * decorator, guards and SessionService all go through this one object.
 */
@Injectable()
export class SessionRuntime implements SessionControls {
  readonly signer: TokenSigner;
  readonly gateway: StoreGateway;
  private readonly delivery: TokenDelivery;
  private readonly probes: RejectedTokenMonitor;
  /**
   * Set when SessionService was called without a session outside any request
   * context: it was reached without injection (ModuleRef), so the interceptor
   * must run every request in its async context from then on.
   */
  contextWanted = false;
  /**
   * Set by the interceptor: whether it runs on every route, or only on the
   * handlers that declare `@Session()` (see route-binding.ts).
   */
  interceptsEveryRoute = true;

  constructor(
    @Inject(RESOLVED_SESSION_OPTIONS) readonly options: ResolvedSessionOptions,
    store: SessionStore,
    @Inject(SESSION_LOGGER) private readonly logger: LoggerService | null,
  ) {
    this.signer = new TokenSigner(options.secrets);
    this.gateway = new StoreGateway(store, options.storeTimeout, logger);
    this.delivery = new TokenDelivery(options, logger);
    this.probes = new RejectedTokenMonitor(logger);
  }

  // ---------------------------------------------------------------- requests

  /** The request's state, created on first use: reads and verifies the token (no store call). */
  attach(exchange: HttpExchange): RequestState {
    let existing = stateOf(exchange.request);
    if (!existing && exchange.raw !== exchange.request) {
      // Loaded by a middleware, which gets Node's request on Fastify: adopt that state.
      existing = stateOf(exchange.raw);
      if (existing) {
        existing.exchange.request = exchange.request;
        setState(exchange.request, existing);
      }
    }
    if (existing) {
      existing.exchange.response ??= exchange.response;
      existing.exchange.reply ??= exchange.reply;
      return existing;
    }
    const { options, signer } = this;
    const headers = exchange.raw.headers;
    let token: RequestState['token'] = null;
    let hadCookie = false;
    if (options.headerTransport) {
      const value = headers[options.headerName];
      const verified = signer.verify(Array.isArray(value) ? value[0] : value);
      if (verified) token = { ...verified, via: 'header' };
    }
    if (!token && options.cookieTransport && this.inCookiePath(exchange)) {
      const value = readCookie(headers.cookie, options.name);
      hadCookie = value !== undefined;
      const verified = signer.verify(value);
      if (verified) token = { ...verified, via: 'cookie' };
    }
    const presented = hadCookie || (options.headerTransport && headers[options.headerName] !== undefined);
    if (!token && presented) this.probes.rejected();
    const state: RequestState = {
      exchange,
      token,
      hadCookie,
      loading: undefined,
      session: undefined,
      committedBeforeSend: false,
      sendHooked: false,
    };
    setState(exchange.request, state);
    return state;
  }

  /** A cookie scoped to a path is ours only on requests inside that path (browsers agree). */
  private inCookiePath(exchange: HttpExchange): boolean {
    const path = this.options.cookie.path;
    if (path === '/') return true;
    const url = (exchange.request as { originalUrl?: string }).originalUrl ?? exchange.raw.url ?? '/';
    return pathMatches(url, path);
  }

  /** Load the request's session once; later calls share the same promise. */
  hydrate(state: RequestState): Promise<Session> {
    if (state.loading) return state.loading;
    const loading = this.load(state).then((session) => {
      state.session = session;
      // Nest's own @Session() from @nestjs/common reads req.session.
      (state.exchange.request as { session?: unknown }).session = session;
      return session;
    });
    state.loading = loading;
    // A failed load (store down) may be retried by a later call.
    loading.catch(() => {
      if (state.loading === loading) state.loading = undefined;
    });
    return loading;
  }

  /**
   * True when committing would do nothing (so the interceptor need not wait
   * for it): no session loaded, or one that is idle, unchanged, and due for
   * neither a touch nor a cookie. Mirrors `persist`; anything else commits.
   */
  idle(state: RequestState): boolean {
    if (!state.loading) return true;
    const session = state.session;
    if (!session) return false;
    const i = internalsOf(session) as Internals | undefined;
    if (!i || i.busy > 0) return false;
    if (i.gone) return true;
    if (i.isNew) {
      if (this.options.saveUninitialized || i.clearCookie) return false;
    } else if (i.resend || this.options.rolling || Date.now() - i.meta.lastActiveAt >= this.options.touchAfter) {
      return false;
    }
    return this.unchanged(session, i);
  }

  /** After the handler: persist what changed and put the token on the response. */
  async commit(state: RequestState): Promise<void> {
    if (!state.loading) return;
    const session = state.session ?? (await state.loading);
    await this.save(session);
  }

  private async load(state: RequestState): Promise<Session> {
    const token = state.token;
    if (token) {
      const record = await this.gateway.get(token.id);
      if (record) {
        const now = Date.now();
        if (isExpired(record.meta, this.options, now)) {
          // Expired by its stored deadlines, whatever the store's TTL said.
          await this.gateway.destroy(token.id);
        } else if (!this.fingerprintMatches(record.meta, state)) {
          this.logger?.warn(
            `Session ${token.id} was presented with another client fingerprint; a fresh session was issued`,
          );
        } else {
          return this.build(token, record, state, { resend: token.resign });
        }
      } else {
        // Strict mode: a signed id the store does not know is never adopted.
        this.logger?.debug?.(`Unknown session ${token.id} presented; a fresh session was issued`);
      }
    }
    return this.fresh(state, this.options.maxAge);
  }

  // ---------------------------------------------------------------- Session controls

  describe(session: Session): { id: string; isNew: boolean; cookie: SessionCookie } {
    const i = this.of(session);
    const c = this.options.cookie;
    const deadlines = [i.meta.idleExpiresAt, i.meta.absoluteExpiresAt].filter((d) => d > 0);
    const expires = deadlines.length > 0 ? Math.min(...deadlines) : 0;
    return {
      id: i.id,
      isNew: i.isNew,
      cookie: {
        path: c.path,
        domain: c.domain,
        httpOnly: c.httpOnly,
        sameSite: c.sameSite,
        secure: c.secure === 'auto' ? Boolean(i.request && isSecureRequest(i.request.exchange)) : c.secure,
        expires: expires > 0 ? new Date(expires) : null,
        maxAge: expires > 0 ? Math.max(0, expires - Date.now()) : null,
      },
    };
  }

  save(session: Session): Promise<void> {
    return this.serial(session, () => this.persist(session, false));
  }

  touch(session: Session): Promise<void> {
    return this.serial(session, async () => {
      const i = this.of(session);
      if (i.isNew || i.gone) return;
      await this.extend(session, i, Date.now());
    });
  }

  reload(session: Session): Promise<Session> {
    return this.serial(session, async () => {
      const i = this.of(session);
      if (i.isNew) return session;
      const record = await this.gateway.get(i.id);
      if (!record || isExpired(record.meta, this.options, Date.now())) {
        this.reset(session, i, {}, i.meta.maxAge);
        return session;
      }
      replaceData(session, cleanData(record.data));
      i.meta = record.meta;
      i.snapshot = snapshotOf(dataOf(session));
      i.baseline = undefined;
      return session;
    });
  }

  regenerate(session: Session, options: RegenerateOptions = {}): Promise<Session> {
    return this.serial(session, async () => {
      const i = this.of(session);
      const kept: SessionData = {};
      for (const key of options.keep ?? []) {
        if (Object.hasOwn(session, key)) kept[key] = session[key];
      }
      if (!i.isNew) await this.gateway.destroy(i.id);
      this.reset(session, i, kept, i.meta.maxAge);
      return session;
    });
  }

  destroy(session: Session): Promise<void> {
    return this.serial(session, async () => {
      const i = this.of(session);
      // A failed delete throws (503): a logout is never reported while the record lives.
      if (!i.isNew) await this.gateway.destroy(i.id);
      this.reset(session, i, {}, i.meta.maxAge);
      if (i.request) this.delivery.clear(i.request);
    });
  }

  // ---------------------------------------------------------------- token-level API

  /** A new session holding `data`, saved now; returns its signed token. */
  async createToken(data: SessionData, maxAge = this.options.maxAge): Promise<string> {
    if (!(Number.isInteger(maxAge) && maxAge >= 0))
      throw new TypeError('create(): maxAge must be a whole number of ms >= 0');
    const session = this.fresh(undefined, maxAge);
    assignData(session, data);
    await this.serial(session, () => this.persist(session, true));
    return this.signer.sign(this.of(session).secretId);
  }

  /** The session behind a token, or null for a bad, unknown or expired token. */
  async sessionOfToken(token: string): Promise<Session | null> {
    const verified = this.signer.verify(token);
    if (!verified) return null;
    const record = await this.gateway.get(verified.id);
    if (!record) return null;
    if (isExpired(record.meta, this.options, Date.now())) {
      await this.gateway.destroy(verified.id);
      return null;
    }
    return this.build(verified, record, undefined, {});
  }

  /** Replace a token session's data. False when the token is bad or its session gone. */
  async replaceTokenData(token: string, data: SessionData): Promise<boolean> {
    const session = await this.sessionOfToken(token);
    if (!session) return false;
    replaceData(session, {});
    assignData(session, data);
    await this.serial(session, () => this.persist(session, true));
    return !this.of(session).gone;
  }

  /** Remove the session behind a verified id. */
  destroyById(id: string): Promise<void> {
    return this.gateway.destroy(id);
  }

  async listByOwner(owner: string, currentId?: string): Promise<OwnedSession[]> {
    const now = Date.now();
    const found = await this.gateway.listByOwner(owner);
    return found
      .filter(({ record }) => record.meta.owner === owner && !isExpired(record.meta, this.options, now))
      .map(({ id, record }) => ({
        id,
        createdAt: new Date(record.meta.createdAt),
        lastActiveAt: new Date(record.meta.lastActiveAt),
        ...(record.meta.userAgent !== undefined && { userAgent: record.meta.userAgent }),
        current: id === currentId,
      }))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** Internals of a session built by this runtime (for SessionService). */
  idOf(session: Session): string {
    return this.of(session).id;
  }

  // ---------------------------------------------------------------- persistence

  /**
   * Write what changed: a new session is created (only if absent), a changed
   * one patched (only if present), an unchanged one touched per
   * `touchAfter`/`rolling`. The token goes on the response only after the
   * store acknowledged the write, so a failed save sends no Set-Cookie.
   */
  private async persist(session: Session, explicit: boolean): Promise<void> {
    const i = this.of(session);
    if (i.gone) return;
    const now = Date.now();
    const same = this.unchanged(session, i);
    if (i.isNew) {
      if (same && !this.options.saveUninitialized && !explicit) {
        if (i.clearCookie && i.request) this.delivery.clear(i.request);
        return;
      }
      const diff = this.diff(session, i);
      if (!diff.changed && !this.options.saveUninitialized && !explicit) {
        if (i.clearCookie && i.request) this.delivery.clear(i.request);
        return;
      }
      if (i.request && !this.delivery.canDeliver(i.request)) return;
      const meta = withOwner(extendMeta(i.meta, this.options, now), diff.data, this.options.ownerKey);
      const ttl = ttlOf(meta, now);
      if (ttl < 0) return;
      await this.createUnique(i, { v: 1, meta, data: diff.data }, ttl);
      Object.assign(i, {
        isNew: false,
        meta,
        snapshot: diff.snapshot,
        baseline: undefined,
        clearCookie: false,
        resend: false,
      });
      this.sendToken(i, ttl);
      return;
    }
    const diff = same ? undefined : this.diff(session, i);
    if (diff?.changed) {
      const meta = withOwner(extendMeta(i.meta, this.options, now), diff.data, this.options.ownerKey);
      const ttl = ttlOf(meta, now);
      if (ttl < 0) {
        await this.gateway.destroy(i.id);
        i.gone = true;
        return;
      }
      const written = await this.gateway.patch(
        i.id,
        { set: diff.set, unset: diff.unset, meta },
        { v: 1, meta, data: diff.data },
        ttl,
      );
      if (!written) {
        // Destroyed meanwhile (a logout, or regenerate in another request): stay destroyed.
        i.gone = true;
        return;
      }
      Object.assign(i, { meta, snapshot: diff.snapshot, baseline: undefined, resend: false });
      this.sendToken(i, ttl);
      return;
    }
    if (this.options.rolling || now - i.meta.lastActiveAt >= this.options.touchAfter) {
      await this.extend(session, i, now);
      return;
    }
    if (i.resend) {
      i.resend = false;
      this.sendToken(i, ttlOf(i.meta, now));
    }
  }

  /**
   * True when the data is provably what was last loaded or saved (and within
   * `maxBytes`): its JSON equals the baseline. False means "compare per key".
   */
  private unchanged(session: Session, i: Internals): boolean {
    if (i.baseline === undefined) return false;
    let json: string;
    try {
      json = JSON.stringify(session);
    } catch {
      return false; // diffData names the key that cannot be serialised
    }
    if (json !== i.baseline) return false;
    const maxBytes = this.options.maxBytes;
    return json.length <= maxBytes / 4 || Buffer.byteLength(json) <= maxBytes;
  }

  /** The per-key diff against the last load or save (throws for data that cannot be saved). */
  private diff(session: Session, i: Internals): ReturnType<typeof diffData> {
    i.snapshot ??= snapshotOf(JSON.parse(i.baseline ?? '{}') as SessionData);
    return diffData(session, i.snapshot, this.options.maxBytes);
  }

  /** Touch: push the expiry out in the store and on the client. */
  private async extend(session: Session, i: Internals, now: number): Promise<void> {
    const meta = extendMeta(i.meta, this.options, now);
    const ttl = ttlOf(meta, now);
    if (ttl < 0) return;
    await this.gateway.touch(i.id, { v: 1, meta, data: dataOf(session) }, ttl);
    i.meta = meta;
    i.resend = false;
    this.sendToken(i, ttl);
  }

  /** Create with a fresh id; on the (astronomically rare) collision draw another id. */
  private async createUnique(i: Internals, record: SessionRecord, ttl: number): Promise<void> {
    for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
      if (await this.gateway.create(i.id, record, ttl)) return;
      this.logger?.warn('Session id collision on create; drawing a new id');
      i.secretId = this.newSecretId();
      i.id = publicIdOf(i.secretId);
    }
    throw new Error('Could not allocate a unique session id; check the genid option');
  }

  private sendToken(i: Internals, ttl: number): void {
    if (i.request) this.delivery.sendToken(i.request, this.signer.sign(i.secretId), ttl);
  }

  // ---------------------------------------------------------------- building sessions

  private fresh(state: RequestState | undefined, maxAge: number): Session {
    const secretId = this.newSecretId();
    const meta = newMeta(Date.now(), maxAge, this.options.absoluteMaxAge, state ? this.clientMeta(state) : {});
    const session = new Session(this);
    setInternals(session, {
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
      queue: Promise.resolve(),
      busy: 0,
    });
    return session;
  }

  private build(
    { secretId, id }: VerifiedToken,
    record: SessionRecord,
    state: RequestState | undefined,
    flags: { resend?: boolean },
  ): Session {
    const session = new Session(this);
    const data = cleanData(record.data);
    Object.assign(session, data);
    setInternals(session, {
      secretId,
      id,
      isNew: false,
      meta: record.meta,
      snapshot: undefined,
      baseline: JSON.stringify(data),
      request: state,
      clearCookie: false,
      resend: flags.resend ?? false,
      gone: false,
      queue: Promise.resolve(),
      busy: 0,
    });
    return session;
  }

  /** Turn a session into a new, unsaved one with a new id (regenerate, destroy, vanished record). */
  private reset(session: Session, i: Internals, data: SessionData, maxAge: number): void {
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

  /** A stored fingerprint matches under any configured secret (so rotation keeps sessions). */
  private fingerprintMatches(meta: SessionMeta, state: RequestState): boolean {
    if (!this.options.fingerprint || meta.fingerprint === undefined) return true;
    const presented = this.fingerprintOf(state) ?? '';
    for (let k = 0; k < this.signer.secretCount; k++) {
      if (this.signer.keyedHash(presented, k) === meta.fingerprint) return true;
    }
    return false;
  }

  private newSecretId(): string {
    const id = this.options.genid ? this.options.genid() : randomSecretId();
    if (typeof id !== 'string' || !SECRET_ID_FORMAT.test(id)) {
      throw new SessionConfigError('genid', 'returned an id that is not 22 to 128 base64url characters');
    }
    return id;
  }

  private of(session: Session): Internals {
    const i = controlsOf(session) === this ? (internalsOf(session) as Internals | undefined) : undefined;
    if (!i) throw new Error('This Session does not belong to this SessionModule');
    return i;
  }

  private serial<T>(session: Session, run: () => Promise<T>): Promise<T> {
    const i = this.of(session);
    i.busy++;
    const done = (): void => void i.busy--;
    const next = i.queue.then(run, run);
    i.queue = next.then(done, done);
    return next;
  }
}

/** The data keys of a session: its own enumerable properties. */
function dataOf(session: Session): SessionData {
  return { ...session };
}

/** Drop keys a session cannot hold (methods, accessors, prototype keys). */
function cleanData(data: SessionData): SessionData {
  const out: SessionData = {};
  for (const key of Object.keys(data)) {
    if (!RESERVED_SESSION_KEYS.has(key)) out[key] = data[key];
  }
  return out;
}

function replaceData(session: Session, data: SessionData): void {
  for (const key of Object.keys(session)) delete session[key];
  Object.assign(session, data);
}

/** Copy user data onto a session, refusing reserved keys with a clear error. */
function assignData(session: Session, data: SessionData): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new SessionDataException('data must be a plain object');
  }
  for (const key of Object.keys(data)) {
    if (RESERVED_SESSION_KEYS.has(key)) throw new SessionDataException(`key "${key}" is reserved`);
    session[key] = data[key];
  }
}
