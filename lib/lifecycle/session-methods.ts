import type { ResolvedSessionOptions } from '../session.options.js';
import type { RegenerateOptions, Session, SessionControls, SessionCookie } from '../session.js';
import type { SessionData } from '../stores/session-record.js';
import { isSecureRequest } from '../transport/http-exchange.js';
import type { SessionCommitter } from './session-commit.js';
import { snapshotOf } from './session-data.js';
import type { SessionFactory } from './session-factory.js';
import { cleanData, dataOf, internalsFor, replaceData, type Internals } from './session-internals.js';
import { isExpired } from './session-meta.js';
import type { StoreGateway } from './store-gateway.js';
import type { TokenDelivery } from './token-delivery.js';

/**
 * What a Session's methods and getters do (`session.save()`, `.id`, …). The
 * operations on one session run one after another (`serial`), so a
 * `regenerate()` and the commit after the handler never interleave.
 */
export class SessionMethods implements SessionControls {
  constructor(
    private readonly options: ResolvedSessionOptions,
    private readonly gateway: StoreGateway,
    private readonly committer: SessionCommitter,
    private readonly factory: SessionFactory,
    private readonly delivery: TokenDelivery,
  ) {}

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
    return this.serial(session, (i) => this.committer.persist(session, i, false));
  }

  /** Persist with a `save()`'s meaning: an empty new session is stored too (token-level API). */
  saveExplicitly(session: Session): Promise<void> {
    return this.serial(session, (i) => this.committer.persist(session, i, true));
  }

  touch(session: Session): Promise<void> {
    return this.serial(session, async (i) => {
      if (i.isNew || i.gone) return;
      await this.committer.extend(session, i, Date.now());
    });
  }

  reload(session: Session): Promise<Session> {
    return this.serial(session, async (i) => {
      if (i.isNew) return session;
      const record = await this.gateway.get(i.id);
      if (!record || isExpired(record.meta, this.options, Date.now())) {
        this.factory.reset(session, i, {}, i.meta.maxAge);
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
    return this.serial(session, async (i) => {
      const kept: SessionData = {};
      for (const key of options.keep ?? []) {
        if (Object.hasOwn(session, key)) kept[key] = session[key];
      }
      if (!i.isNew) await this.gateway.destroy(i.id);
      this.factory.reset(session, i, kept, i.meta.maxAge);
      return session;
    });
  }

  destroy(session: Session): Promise<void> {
    return this.serial(session, async (i) => {
      // A failed delete throws (503): a logout is never reported while the record lives.
      if (!i.isNew) await this.gateway.destroy(i.id);
      this.factory.reset(session, i, {}, i.meta.maxAge);
      if (i.request) this.delivery.clear(i.request);
    });
  }

  /** The internals of a session of this module. */
  of(session: Session): Internals {
    return internalsFor(session, this);
  }

  private serial<T>(session: Session, run: (i: Internals) => Promise<T>): Promise<T> {
    const i = this.of(session);
    i.busy++;
    const done = (): void => void i.busy--;
    const next = i.queue.then(
      () => run(i),
      () => run(i),
    );
    i.queue = next.then(done, done);
    return next;
  }
}
