import type { ResolvedSessionOptions } from '../session.options.js';
import { assignCookie, liveCookie } from '../session-cookie.js';
import type { RegenerateOptions, Session, SessionControls, SessionCookie, SessionCookieInput } from '../session.js';
import type { SessionData } from '../stores/session-record.js';
import { isSecureRequest } from '../transport/http-exchange.js';
import type { SessionCommitter } from './session-commit.js';
import { snapshotOf } from './session-data.js';
import type { SessionFactory } from './session-factory.js';
import { cleanData, dataOf, internalsFor, replaceData, type Internals } from './session-internals.js';
import { absoluteDeadline, extendMeta, isExpired } from './session-meta.js';
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

  describe(session: Session): { id: string; isNew: boolean } {
    const i = this.of(session);
    return { id: i.id, isNew: i.isNew };
  }

  cookieOf(session: Session): SessionCookie {
    return liveCookie({
      snapshot: () => this.cookieNow(this.of(session)),
      setLifetime: (maxAge) => this.setLifetime(this.of(session), maxAge),
    });
  }

  assignCookie(session: Session, value: SessionCookieInput): void {
    const i = this.of(session);
    assignCookie({ snapshot: () => this.cookieNow(i), setLifetime: (maxAge) => this.setLifetime(i, maxAge) }, value);
  }

  /**
   * This session's own idle lifetime from now on ("remember me"): kept in its
   * meta, so the store's TTL, the cookie's Max-Age, later touches and
   * `rolling` follow it, capped by the absolute deadline. Written at the commit.
   */
  private setLifetime(i: Internals, maxAge: number): void {
    if (i.gone) return;
    i.meta = extendMeta({ ...i.meta, maxAge }, this.options, Date.now());
    i.lifetimeChanged = true;
  }

  private cookieNow(i: Internals): Omit<SessionCookie, 'maxAge'> {
    const c = this.options.cookie;
    const deadlines = [i.meta.idleExpiresAt, absoluteDeadline(i.meta, this.options)].filter((d) => d > 0);
    const expires = deadlines.length > 0 ? Math.min(...deadlines) : 0;
    return {
      path: c.path,
      domain: c.domain,
      httpOnly: c.httpOnly,
      sameSite: c.sameSite,
      secure: c.secure === 'auto' ? Boolean(i.request && isSecureRequest(i.request.exchange)) : c.secure,
      expires: expires > 0 ? new Date(expires) : null,
      originalMaxAge: i.meta.maxAge > 0 ? i.meta.maxAge : null,
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
      // A logout ends a "remember me" too: what follows has the module's lifetime.
      this.factory.reset(session, i, {}, this.options.maxAge);
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
