import { LRUCache } from 'lru-cache';
import { SessionStore } from './session-store.js';
import type { SessionMeta, SessionPatch, SessionRecord, StoredSession } from './session-record.js';
import { applyPatch, decodeRecord, encodeRecord } from './record-codec.js';
import type { RedisClientLike } from './redis/redis-client.js';
import type { RedisSubscriberLike } from './cache/invalidation-bus.js';
import type { InvalidationFeed } from './cache/invalidation-feed.js';
import { createFeed } from './cache/feed-factory.js';
import { TrackingFeed } from './cache/tracking-feed.js';

export type { RedisSubscriberLike } from './cache/invalidation-bus.js';

export interface CachedStoreOptions {
  /** Most sessions held in this process; the least recently used is dropped past it. */
  maxSize: number;
  /** Longest a local copy is served, ms, whatever else happens. */
  ttl: number;
  /**
   * An ioredis `Redis` (or, with a Cluster, `Cluster`) for invalidations from
   * the other processes. In front of a RedisStore, CachedStore opens its own
   * connection per node from it (`duplicate()`) and Redis reports every change
   * of a session key (CLIENT TRACKING); in front of another store, it
   * subscribes on it to the writers' messages (pub/sub). Without it the cache
   * is local only: other processes' changes show after `ttl` at worst.
   */
  subscriber?: RedisSubscriberLike;
  /**
   * A local copy is served only while this process holds proof, at most this
   * old, that every invalidation reached it: the bound on staleness after any
   * write, acknowledged, failed or timed out. Keep it under SessionModule's
   * `storeTimeout`. @default 1_000
   */
  maxStaleness?: number;
  /** PING each invalidation connection this often, ms; must be below `maxStaleness`. @default maxStaleness / 4 */
  pingInterval?: number;
  /** Pub/sub only (not a RedisStore): connection that publishes invalidations. */
  publisher?: RedisClientLike;
  /** Pub/sub only: channel; pub/sub ignores DB numbers, so name it per app and environment. @default `sess:invalidate` */
  channel?: string;
  /** Pub/sub only: identifies this process's own messages, which it ignores. @default random */
  instanceId?: string;
  /** Drop the whole local cache this often, ms; 0 = never. @default 0 */
  clearInterval?: number;
}

interface Entry {
  /** The record as JSON: every reader gets its own parsed copy (checklist #55). */
  json: string;
  /** When this copy stops being served: never past `ttl`, nor the session's own deadlines. */
  deadline: number;
}

/** One load of an id from the inner store, shared by every concurrent reader of that id. */
interface Flight {
  promise: Promise<string | null>;
  /** Set when an invalidation, a flush or a write of the id comes meanwhile: the result is returned but not cached. */
  stale: boolean;
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
  private readonly cache: LRUCache<string, Entry>;
  private readonly flights = new Map<string, Flight>();
  private readonly feed: InvalidationFeed | undefined;
  /** Redis reports our own writes back to us too: a write's result is then not cached (it would be dropped at once). */
  private readonly cachesWrites: boolean;
  private readonly ttl: number;
  private clearer: NodeJS.Timeout | undefined;
  /**
   * Bumped by every invalidation from elsewhere and every flush. A write that
   * saw it change while in flight does not cache its own result: the other
   * process's newer write may have landed after ours.
   */
  private epoch = 0;
  /** Writes of each id under way here, and how many have started: see `write`. */
  private readonly writes = new Map<string, { active: number; started: number }>();
  /** Ids whose last write failed or timed out (it may still land): not cached until an invalidation or `ttl`. */
  private readonly unsettled = new Map<string, number>();
  private readonly counters = { hits: 0, misses: 0, invalidations: 0, flushes: 0 };

  constructor(
    private readonly inner: SessionStore,
    options: CachedStoreOptions,
  ) {
    super();
    if (!(inner instanceof SessionStore) && typeof (inner as SessionStore | undefined)?.get !== 'function') {
      throw new TypeError('CachedStore: the first argument must be a SessionStore');
    }
    const { maxSize, ttl, clearInterval: every = 0 } = options ?? {};
    const positive = (name: string, value: unknown, zeroOk: boolean): void => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || (!zeroOk && value === 0)) {
        throw new TypeError(`CachedStore: option "${name}" must be a whole number ${zeroOk ? '>= 0' : '> 0'}`);
      }
    };
    positive('maxSize', maxSize, false);
    positive('ttl', ttl, false);
    positive('clearInterval', every, true);
    this.ttl = ttl;
    this.cache = new LRUCache<string, Entry>({ max: maxSize });
    this.feed = createFeed(inner, options, {
      invalidate: (id) => {
        this.epoch++;
        this.unsettled.delete(id);
        this.drop(id);
      },
      flush: () => this.flush(),
    });
    this.cachesWrites = !(this.feed instanceof TrackingFeed);
    if (every > 0) {
      this.clearer = setInterval(() => this.flush(), every);
      this.clearer.unref();
    }
  }

  /** True while local copies are served: always without a subscriber, else while the invalidation link is proven live. */
  get isCaching(): boolean {
    return this.trusted();
  }

  /** Counters for monitoring and tests. */
  stats(): { size: number; hits: number; misses: number; invalidations: number; flushes: number } {
    return { size: this.cache.size, ...this.counters };
  }

  async get(id: string): Promise<SessionRecord | null> {
    if (!this.trusted()) return this.inner.get(id);
    const entry = this.cache.get(id);
    if (entry) {
      if (entry.deadline > Date.now()) {
        this.counters.hits++;
        return decodeRecord(entry.json);
      }
      this.cache.delete(id);
    }
    this.counters.misses++;
    const json = await (this.flights.get(id) ?? this.load(id)).promise;
    return json === null ? null : decodeRecord(json);
  }

  async set(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    await this.write(id, true, async () => {
      await this.inner.set(id, record, ttlMs);
      return record;
    });
  }

  /** A new id: nobody else can hold a copy of it, so nothing is published. */
  async create(id: string, record: SessionRecord, ttlMs: number): Promise<boolean> {
    const written = await this.write(id, false, async () => {
      if (this.inner.create) return (await this.inner.create(id, record, ttlMs)) ? record : null;
      if ((await this.inner.get(id)) !== null) return null;
      await this.inner.set(id, record, ttlMs);
      return record;
    });
    return written !== null;
  }

  async patch(id: string, changes: SessionPatch, ttlMs: number): Promise<boolean> {
    const cached = this.cache.get(id);
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
      const base = done && cached && decodeRecord(cached.json);
      return base ? applyPatch(base, changes) : null;
    });
    return done;
  }

  /**
   * Expiry only, so nothing is published: another process's copy carries the
   * older idle deadline, and its cache entry dies no later than that.
   */
  async touch(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    const cached = this.cache.get(id);
    await this.write(id, false, async () => {
      if (this.inner.touch) await this.inner.touch(id, record, ttlMs);
      else await this.inner.set(id, record, ttlMs);
      const base = cached ? decodeRecord(cached.json) : null;
      return base ? { ...base, meta: { ...record.meta, owner: base.meta.owner } } : null;
    });
  }

  async destroy(id: string): Promise<void> {
    await this.write(id, true, async () => {
      await this.inner.destroy(id);
      return null;
    });
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
    this.flush();
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
    this.flush();
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

  private load(id: string): Flight {
    // A load that overlaps a write of the same id is never cached (its result may predate the write).
    const flight: Flight = { stale: this.writes.has(id), promise: Promise.resolve(null) };
    flight.promise = this.inner.get(id).then(
      (record) => {
        if (this.flights.get(id) === flight) this.flights.delete(id);
        if (!record) return null;
        const json = encodeRecord(record);
        if (!flight.stale && this.cacheable(id)) this.store(id, json, record.meta);
        return json;
      },
      (error: unknown) => {
        if (this.flights.get(id) === flight) this.flights.delete(id);
        throw error;
      },
    );
    this.flights.set(id, flight);
    return flight;
  }

  /**
   * Run one write of `id`: drop the local copy (and any load in flight)
   * first, so that while its outcome is unknown nothing older is served
   * here. On failure (or timeout: the write may still land) the id stays
   * uncached until its outcome shows. With pub/sub, `announce` publishes
   * the change whatever the outcome. Then cache the record the write
   * returns, only when nothing raced with it: no other write of this id here
   * (overlapping patches each know only their own keys), no invalidation
   * from elsewhere and no flush meanwhile.
   */
  private async write(
    id: string,
    announce: boolean,
    run: () => Promise<SessionRecord | null>,
  ): Promise<SessionRecord | null> {
    this.drop(id);
    const state = this.writes.get(id) ?? { active: 0, started: 0 };
    this.writes.set(id, state);
    const epoch = this.epoch;
    const alone = state.active === 0;
    const number = ++state.started;
    state.active++;
    let record: SessionRecord | null = null;
    try {
      record = await run();
      return record;
    } catch (error) {
      this.unsettled.set(id, Date.now() + this.ttl);
      throw error;
    } finally {
      if (--state.active === 0) this.writes.delete(id);
      if (announce) await this.publish(id);
      if (record && this.cachesWrites && alone && state.started === number && epoch === this.epoch) {
        if (this.cacheable(id)) this.store(id, encodeRecord(record), record.meta);
      }
    }
  }

  private store(id: string, json: string, meta: SessionMeta): void {
    let deadline = Date.now() + this.ttl;
    if (meta.idleExpiresAt > 0) deadline = Math.min(deadline, meta.idleExpiresAt);
    if (meta.absoluteExpiresAt > 0) deadline = Math.min(deadline, meta.absoluteExpiresAt);
    this.cache.set(id, { json, deadline });
  }

  /** Forget one id, including a load in flight (its result must not be cached). */
  private drop(id: string): void {
    this.counters.invalidations++;
    this.cache.delete(id);
    const flight = this.flights.get(id);
    if (flight) {
      flight.stale = true;
      this.flights.delete(id);
    }
  }

  private flush(): void {
    this.epoch++;
    this.counters.flushes++;
    this.cache.clear();
    for (const flight of this.flights.values()) flight.stale = true;
    this.flights.clear();
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
