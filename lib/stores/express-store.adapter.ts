import { SessionStore } from './session-store.js';
import type { SessionPatch, SessionRecord, StoredSession } from './session-record.js';
import { applyPatch, decodeRecord } from './record-codec.js';

type Callback<T = unknown> = (error?: unknown, result?: T) => void;

/**
 * The callback API of an express-session store (connect-redis, connect-mongo,
 * connect-pg-simple …): only what the adapter calls.
 */
export interface ExpressSessionStoreLike {
  get(sid: string, callback: Callback<unknown>): unknown;
  set(sid: string, session: object, callback: Callback): unknown;
  destroy(sid: string, callback: Callback): unknown;
  all?(callback: Callback<unknown>): unknown;
  length?(callback: Callback<number>): unknown;
  clear?(callback: Callback): unknown;
}

/** What the adapter hands the wrapped store: our record, plus the `cookie` it reads its TTL from. */
interface ExpressShapedSession {
  cookie: { originalMaxAge: number | null; expires?: string };
  v: 1;
  meta: SessionRecord['meta'];
  data: SessionRecord['data'];
}

function promisify<T>(run: (callback: Callback<T>) => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // Some stores also return a promise; the callback is what every store calls.
    run((error, result) =>
      error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result as T),
    );
  });
}

/**
 * Wraps a callback-style express-session store so you can keep the store you
 * already run. The record is stored as an express-style session object whose
 * `cookie.expires` carries the TTL (connect-redis and others derive their
 * expiry from it); with `maxAge: 0` the wrapped store applies its own default
 * TTL, since these stores have no "never".
 *
 * These stores can only write whole sessions, so `create`, `patch` and
 * `touch` are read-modify-write sequences, serialised per session inside this
 * process: concurrent requests in one process lose no update, but requests
 * in different processes can (use RedisStore for atomic patches).
 */
export class ExpressStoreAdapter extends SessionStore {
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly inner: ExpressSessionStoreLike) {
    super();
    if (
      !inner ||
      typeof inner.get !== 'function' ||
      typeof inner.set !== 'function' ||
      typeof inner.destroy !== 'function'
    ) {
      throw new TypeError('ExpressStoreAdapter: expected an express-session store with get, set and destroy');
    }
  }

  get(id: string): Promise<SessionRecord | null> {
    return this.read(id);
  }

  async set(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    await this.exclusive(id, () => this.write(id, record, ttlMs));
  }

  /** Queued behind writes in flight, so a slower request's write cannot bring a logged-out session back. */
  async destroy(id: string): Promise<void> {
    await this.exclusive(id, () => this.remove(id));
  }

  async create(id: string, record: SessionRecord, ttlMs: number): Promise<boolean> {
    return this.exclusive(id, async () => {
      if (await this.read(id)) return false;
      await this.write(id, record, ttlMs);
      return true;
    });
  }

  async patch(id: string, changes: SessionPatch, ttlMs: number): Promise<boolean> {
    return this.exclusive(id, async () => {
      const stored = await this.read(id);
      if (!stored) return false;
      await this.write(id, applyPatch(stored, changes), ttlMs);
      return true;
    });
  }

  /** New meta and expiry, over the data as stored now (never the request's possibly older copy). */
  async touch(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    await this.exclusive(id, async () => {
      const stored = await this.read(id);
      if (!stored) return;
      await this.write(id, { ...stored, meta: { ...record.meta, owner: stored.meta.owner } }, ttlMs);
    });
  }

  async all(): Promise<StoredSession[]> {
    const all = this.inner.all?.bind(this.inner);
    if (!all) throw new TypeError('ExpressStoreAdapter: the wrapped store has no all()');
    const raw = await promisify<unknown>((cb) => all(cb));
    // connect-redis answers an array of sessions carrying `id`; express's MemoryStore an object keyed by sid.
    const entries: Array<[string, unknown]> = Array.isArray(raw)
      ? raw.map((s: unknown) => [String((s as { id?: unknown })?.id ?? ''), s])
      : Object.entries((raw ?? {}) as Record<string, unknown>);
    return entries.flatMap(([id, s]) => {
      const record = toRecord(s);
      return record && id ? [{ id, record }] : [];
    });
  }

  async length(): Promise<number> {
    const length = this.inner.length?.bind(this.inner);
    if (length) return promisify<number>((cb) => length(cb));
    return (await this.all()).length;
  }

  async clear(): Promise<void> {
    const clear = this.inner.clear?.bind(this.inner);
    if (!clear) throw new TypeError('ExpressStoreAdapter: the wrapped store has no clear()');
    await promisify((cb) => clear(cb));
  }

  private async write(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    if (ttlMs < 0) return this.remove(id);
    const session: ExpressShapedSession = {
      cookie:
        ttlMs > 0
          ? { originalMaxAge: ttlMs, expires: new Date(Date.now() + ttlMs).toISOString() }
          : { originalMaxAge: null },
      v: 1,
      meta: record.meta,
      data: record.data,
    };
    await promisify((cb) => this.inner.set(id, session, cb));
  }

  private async read(id: string): Promise<SessionRecord | null> {
    return toRecord(await promisify<unknown>((cb) => this.inner.get(id, cb)));
  }

  private async remove(id: string): Promise<void> {
    await promisify((cb) => this.inner.destroy(id, cb));
  }

  /** Run `task` after every earlier task on the same id has finished (a per-session queue). */
  private exclusive<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const result = previous.then(task, task);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return result;
  }
}

/** A stored express-style session → our record, validated like every store's; anything else → null. */
function toRecord(raw: unknown): SessionRecord | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { v, meta, data, cookie } = raw as Partial<ExpressShapedSession>;
  // Many such stores keep TTLs in whole seconds; the expiry we wrote is exact to the ms.
  if (cookie?.expires !== undefined && !(Date.parse(cookie.expires) > Date.now())) return null;
  return decodeRecord(JSON.stringify({ v, meta, data }));
}
