import type { LoggerService } from '@nestjs/common';
import type { ResolvedSessionOptions } from '../session.options.js';
import type { Session } from '../session.js';
import type { SessionRecord } from '../stores/session-record.js';
import type { TokenSigner } from '../transport/session-token.js';
import { newSessionStep, planCommit, stepWhenUnchanged, type CommitStep } from './commit-plan.js';
import { diffData, snapshotOfBaseline, type DataDiff } from './session-data.js';
import type { SessionFactory } from './session-factory.js';
import { dataOf, type Internals } from './session-internals.js';
import { extendMeta, ttlOf, withOwner } from './session-meta.js';
import type { StoreGateway } from './store-gateway.js';
import type { TokenDelivery } from './token-delivery.js';

const MAX_ID_ATTEMPTS = 3;

/**
 * The commit: carry out the step `planCommit` chose. The token goes on the
 * response only after the store acknowledged the write, so a failed save
 * sends no Set-Cookie.
 */
export class SessionCommitter {
  constructor(
    private readonly options: ResolvedSessionOptions,
    private readonly gateway: StoreGateway,
    private readonly delivery: TokenDelivery,
    private readonly signer: TokenSigner,
    private readonly factory: SessionFactory,
    private readonly logger: LoggerService | null,
  ) {}

  /** What committing now would do (`explicit`: a `save()` call, which also stores an empty new session). */
  plan(session: Session, i: Internals, explicit = false): CommitStep {
    return planCommit(session, i, this.options, Date.now(), explicit);
  }

  persist(session: Session, i: Internals, explicit: boolean): Promise<void> {
    const now = Date.now();
    return this.run(planCommit(session, i, this.options, now, explicit), session, i, now, explicit);
  }

  /** Touch: push the expiry out in the store and on the client. */
  async extend(session: Session, i: Internals, now: number): Promise<void> {
    const meta = extendMeta(i.meta, this.options, now);
    const ttl = ttlOf(meta, now);
    if (ttl < 0) return;
    await this.gateway.touch(i.id, { v: 1, meta, data: dataOf(session) }, ttl);
    i.meta = meta;
    i.resend = false;
    i.lifetimeChanged = false;
    this.sendToken(i, ttl);
  }

  private async run(step: CommitStep, session: Session, i: Internals, now: number, explicit: boolean): Promise<void> {
    switch (step) {
      case 'nothing':
        return;
      case 'clear-cookie':
        if (i.request) this.delivery.clear(i.request);
        return;
      case 'create':
        return this.create(session, i, now, explicit);
      case 'patch':
        return this.patch(session, i, now);
      case 'touch':
        return this.extend(session, i, now);
      case 'resend':
        i.resend = false;
        this.sendToken(i, ttlOf(i.meta, now));
    }
  }

  /** A new session: created only if absent, then its token sent. */
  private async create(session: Session, i: Internals, now: number, explicit: boolean): Promise<void> {
    const diff = this.diff(session, i);
    if (!diff.changed && !this.options.saveUninitialized && !explicit) {
      return this.run(newSessionStep(i), session, i, now, explicit);
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
      lifetimeChanged: false,
    });
    this.sendToken(i, ttl);
  }

  /** A stored session whose data changed: the changed keys, only while the record exists. */
  private async patch(session: Session, i: Internals, now: number): Promise<void> {
    const diff = this.diff(session, i);
    if (!diff.changed) return this.run(stepWhenUnchanged(i, this.options, now), session, i, now, false);
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
    Object.assign(i, { meta, snapshot: diff.snapshot, baseline: undefined, resend: false, lifetimeChanged: false });
    this.sendToken(i, ttl);
  }

  /** The per-key diff against the last load or save (throws for data that cannot be saved). */
  private diff(session: Session, i: Internals): DataDiff {
    i.snapshot ??= snapshotOfBaseline(i.baseline ?? '{}');
    return diffData(session, i.snapshot, this.options.maxBytes);
  }

  /** Create with a fresh id; on the (astronomically rare) collision draw another id. */
  private async createUnique(i: Internals, record: SessionRecord, ttl: number): Promise<void> {
    for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
      if (await this.gateway.create(i.id, record, ttl)) return;
      this.logger?.warn('Session id collision on create; drawing a new id');
      this.factory.renew(i);
    }
    throw new Error('Could not allocate a unique session id; check the genid option');
  }

  private sendToken(i: Internals, ttl: number): void {
    if (i.request) this.delivery.sendToken(i.request, this.signer.sign(i.secretId), ttl);
  }
}
