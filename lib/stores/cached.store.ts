import { SessionStore } from './session-store.js';
import type { SessionPatch, SessionRecord, StoredSession } from './session-record.js';
import { applyPatch } from './record-codec.js';
import { checkCacheOptions, type CachedStoreOptions } from './cache/cached-store-options.js';
import type { InvalidationFeed } from './cache/invalidation-feed.js';
import { createFeed } from './cache/feed-factory.js';
import { cacheTextOf, NearCache } from './cache/near-cache.js';
import { TrackingFeed } from './cache/tracking-feed.js';

export type { RedisSubscriberLike } from './cache/invalidation-bus.js';
export type { CachedStoreOptions } from './cache/cached-store-options.js';

interface WriteState {
  active: number;
  started: number;
  heard: boolean;
}

/**
 * CachedStore's `localCopy` for the module's store gateway, unless a subclass
 * overrides `get` (its own `get` must then answer every read).
 */
export function localCopyOf(store: SessionStore): ((id: string) => SessionRecord | null | undefined) | undefined {
  if (!(store instanceof CachedStore) || store.get !== CachedStore.prototype.get) return undefined;
  return (id) => store.localCopy(id);
}

/** What one write did: the record to cache (if known) and whether it changed the stored session. */
interface Written {
  record: SessionRecord | null;
  changed: boolean;
}

/**
 * A near cache: an in-process LRU in front of any store, so an unchanged
 * session is read without a round trip. With a `subscriber`, other
 * processes' changes drop the local copy (reported by Redis itself in front
 * of a RedisStore, published by the writers otherwise), and a copy is served
 * only while the invalidation link is proven live within `maxStaleness`;
 * otherwise reads go straight to the inner store. A write drops the local
 * copy before it starts, and an id whose write failed or timed out is not
 * cached again until its outcome shows. Concurrent loads of one id make one
 * inner call.
 */
export class CachedStore extends SessionStore {
  private readonly cache: NearCache;
  private readonly feed: InvalidationFeed | undefined;
  /** Redis reports our own writes back to us too: a write's result is then not cached (it would be dropped at once). */
  private readonly cachesWrites: boolean;
  private readonly ttl: number;
  private clearer: NodeJS.Timeout | undefined;
  /** Writes of each id under way here, how many have started, and whether a change of it was heard meanwhile: see `write`. */
  private readonly writes = new Map<string, WriteState>();
  /** Ids whose last write failed or timed out (it may still land): not cached until an invalidation or `ttl`. */
  private readonly unsettled = new Map<string, number>();

  constructor(
    private readonly inner: SessionStore,
    options: CachedStoreOptions,
  ) {
    super();
    if (!(inner instanceof SessionStore) && typeof (inner as SessionStore | undefined)?.get !== 'function') {
      throw new TypeError('CachedStore: the first argument must be a SessionStore');
    }
    const { maxSize, ttl, clearInterval: every } = checkCacheOptions(options);
    this.ttl = ttl;
    this.cache = new NearCache(maxSize, ttl);
    this.feed = createFeed(inner, options, {
      // Bumping the epoch keeps a write that raced with this change from caching its result.
      invalidate: (id) => {
        this.cache.epoch++;
        this.unsettled.delete(id);
        const state = this.writes.get(id);
        if (state) state.heard = true;
        this.cache.drop(id);
      },
      flush: () => {
        for (const state of this.writes.values()) state.heard = true;
        this.cache.flush();
      },
    });
    this.cachesWrites = !(this.feed instanceof TrackingFeed);
    if (every > 0) {
      this.clearer = setInterval(() => this.cache.flush(), every);
      this.clearer.unref();
    }
  }

  /** True while local copies are served: always without a subscriber, else while the invalidation link is proven live. */
  get isCaching(): boolean {
    return this.trusted();
  }

  /** Counters for monitoring and tests. */
  stats(): { size: number; hits: number; misses: number; invalidations: number; flushes: number } {
    return { size: this.cache.size, ...this.cache.counters };
  }

  async get(id: string): Promise<SessionRecord | null> {
    const hit = this.localCopy(id);
    if (hit !== undefined) return hit;
    if (!this.trusted()) return this.inner.get(id);
    // A load that overlaps a write of the same id is never cached (its result may predate the write).
    return this.cache.load(
      id,
      () => this.inner.get(id),
      () => this.cacheable(id),
      this.writes.has(id),
    );
  }

  async set(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    await this.write(id, true, async () => {
      await this.inner.set(id, record, ttlMs);
      return { record, changed: ttlMs >= 0 };
    });
  }

  /** A new id: nobody else can hold a copy of it, so nothing is published. */
  async create(id: string, record: SessionRecord, ttlMs: number): Promise<boolean> {
    const written = await this.write(id, false, async () => {
      let created: boolean;
      if (this.inner.create) {
        created = await this.inner.create(id, record, ttlMs);
      } else {
        created = (await this.inner.get(id)) === null;
        if (created) await this.inner.set(id, record, ttlMs);
      }
      return { record: created ? record : null, changed: created };
    });
    return written !== null;
  }

  async patch(id: string, changes: SessionPatch, ttlMs: number): Promise<boolean> {
    const base = this.cachesWrites ? this.cache.peek(id) : null;
    let done = false;
    await this.write(id, true, async () => {
      if (this.inner.patch) {
        done = await this.inner.patch(id, changes, ttlMs);
      } else {
        const stored = await this.inner.get(id);
        if (stored) await this.inner.set(id, applyPatch(stored, changes), ttlMs);
        done = stored !== null;
      }
      // Our own write: the copy we had plus these changes is what the inner store now holds.
      return { record: done && base ? applyPatch(base, changes) : null, changed: done };
    });
    return done;
  }

  /**
   * Expiry only, so nothing is published: another process's copy carries the
   * older idle deadline, and its cache entry dies no later than that.
   */
  async touch(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    const base = this.cachesWrites ? this.cache.peek(id) : null;
    await this.write(id, false, async () => {
      if (this.inner.touch) await this.inner.touch(id, record, ttlMs);
      else await this.inner.set(id, record, ttlMs);
      // A touch of an absent session changes nothing: no report is expected.
      return { record: base ? { ...base, meta: { ...record.meta, owner: base.meta.owner } } : null, changed: false };
    });
  }

  async destroy(id: string): Promise<void> {
    await this.write(id, true, async () => {
      await this.inner.destroy(id);
      return { record: null, changed: false };
    });
  }

  /**
   * The copy `get(id)` would answer from this process, or undefined when it
   * would ask the inner store: lets the module skip the store deadline on a
   * hit, as it does for MemoryStore.
   * @internal
   */
  localCopy(id: string): SessionRecord | null | undefined {
    return this.trusted() ? this.cache.hit(id) : undefined;
  }

  /** Listings always come from the inner store. */
  async all(): Promise<StoredSession[]> {
    if (!this.inner.all) throw new TypeError('CachedStore: the inner store has no all()');
    return this.inner.all();
  }

  async length(): Promise<number> {
    if (!this.inner.length) throw new TypeError('CachedStore: the inner store has no length()');
    return this.inner.length();
  }

  async clear(): Promise<void> {
    if (!this.inner.clear) throw new TypeError('CachedStore: the inner store has no clear()');
    this.cache.flush();
    try {
      await this.inner.clear();
    } finally {
      await this.publish();
    }
  }

  async listByOwner(owner: string): Promise<StoredSession[]> {
    if (this.inner.listByOwner) return this.inner.listByOwner(owner);
    if (!this.inner.all) throw new TypeError('CachedStore: the inner store lists no sessions');
    return (await this.inner.all()).filter((s) => s.record.meta.owner === owner);
  }

  async close(): Promise<void> {
    if (this.clearer) clearInterval(this.clearer);
    await this.feed?.close();
    this.cache.flush();
    await this.inner.close?.();
  }

  /** Cache only while no invalidation can be missed: always without a subscriber, else while the link is fresh. */
  private trusted(): boolean {
    return this.feed === undefined || this.feed.fresh();
  }

  private cacheable(id: string): boolean {
    if (this.writes.has(id) || !this.trusted()) return false;
    const until = this.unsettled.get(id);
    if (until === undefined) return true;
    if (until > Date.now()) return false;
    this.unsettled.delete(id);
    return true;
  }

  /**
   * Run one write of `id`: drop the local copy (and any load in flight)
   * first, so that while its outcome is unknown nothing older is served
   * here. On failure (or timeout: the write may still land) the id stays
   * uncached until its outcome shows. With pub/sub, `announce` publishes
   * the change whatever the outcome. Then cache the record the write
   * returns, only when nothing raced with it: no other write of this id here
   * (overlapping patches each know only their own keys), no invalidation
   * from elsewhere and no flush meanwhile. With server-assisted
   * invalidation, a lone write that changed the session tells the feed to
   * expect Redis's report of it (unless a report of the id already came
   * while it ran), so a load started after it can be cached.
   */
  private async write(id: string, announce: boolean, run: () => Promise<Written>): Promise<SessionRecord | null> {
    this.cache.drop(id);
    const state = this.writes.get(id) ?? { active: 0, started: 0, heard: false };
    if (state.active === 0) state.heard = false;
    this.writes.set(id, state);
    const epoch = this.cache.epoch;
    const alone = state.active === 0;
    const number = ++state.started;
    state.active++;
    let record: SessionRecord | null = null;
    try {
      const written = await run();
      record = written.record;
      if (written.changed && alone && state.started === number && !state.heard) this.feed?.expectEcho?.(id);
      return record;
    } catch (error) {
      this.unsettle(id);
      throw error;
    } finally {
      if (--state.active === 0) this.writes.delete(id);
      if (announce) await this.publish(id);
      if (record && this.cachesWrites && alone && state.started === number && epoch === this.cache.epoch) {
        if (this.cacheable(id)) this.cache.store(id, cacheTextOf(record), record.meta);
      }
    }
  }

  /** Keep `id` uncached for `ttl` (or until a change of it is reported); expired marks go once there are many. */
  private unsettle(id: string): void {
    const now = Date.now();
    if (this.unsettled.size >= this.cache.maxSize) {
      for (const [key, until] of this.unsettled) if (until <= now) this.unsettled.delete(key);
    }
    this.unsettled.set(id, now + this.ttl);
  }

  /**
   * Pub/sub only: tell the other processes, after the write settled either
   * way (a failed or timed-out write may have landed). A failed publish does
   * not fail the write: the others' copies then live at most `ttl`.
   */
  private async publish(id?: string): Promise<void> {
    await this.feed?.publish?.(id).catch(() => undefined);
  }
}
