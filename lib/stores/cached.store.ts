import { LRUCache } from 'lru-cache';
import { SessionStore } from './session-store.js';
import type { SessionMeta, SessionPatch, SessionRecord, StoredSession } from './session-record.js';
import { applyPatch, decodeRecord, encodeRecord } from './record-codec.js';
import type { RedisClientLike } from './redis/redis-client.js';
import { RedisStore } from './redis.store.js';
import { InvalidationBus, type RedisSubscriberLike } from './cache/invalidation-bus.js';

export type { RedisSubscriberLike } from './cache/invalidation-bus.js';

export interface CachedStoreOptions {
  /** Most sessions held in this process; the least recently used is dropped past it. */
  maxSize: number;
  /** Longest a local copy is served, ms: the bound on staleness if an invalidation is ever lost. */
  ttl: number;
  /**
   * A second ioredis connection, for invalidations from the other processes.
   * Without it the cache is local only: other processes' changes show after `ttl` at worst.
   */
  subscriber?: RedisSubscriberLike;
  /** Connection that publishes invalidations. @default the inner RedisStore's client */
  publisher?: RedisClientLike;
  /** Pub/sub channel; pub/sub ignores DB numbers, so name it per app and environment. @default `<prefix>invalidate` */
  channel?: string;
  /** Identifies this process's own messages, which it ignores. @default random */
  instanceId?: string;
  /** Drop the whole local cache this often, ms; 0 = never. @default 0 */
  clearInterval?: number;
  /** PING the subscriber this often, ms; an unanswered PING flushes the cache and reconnects. 0 = never. @default 5_000 */
  pingInterval?: number;
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
  /** Set when an invalidation or flush arrives meanwhile: the result is returned but not cached. */
  stale: boolean;
}

/**
 * A near cache: an in-process LRU in front of any store, so an unchanged
 * session is read without a round trip. With a `subscriber`, every write
 * here publishes an invalidation (after the inner write succeeded, before it
 * is acknowledged) and the other processes drop their copy; while the
 * subscriber is down or not yet subscribed, reads go straight to the inner
 * store. Concurrent loads of one id make one inner call.
 */
export class CachedStore extends SessionStore {
  private readonly cache: LRUCache<string, Entry>;
  private readonly flights = new Map<string, Flight>();
  private readonly bus: InvalidationBus | undefined;
  private readonly ttl: number;
  private clearer: NodeJS.Timeout | undefined;
  /**
   * Bumped by every invalidation from another process and every flush. A
   * write that saw it change while in flight does not cache its own result:
   * the other process's newer write may have landed after ours.
   */
  private epoch = 0;
  /** Writes of each id under way here, and how many have started: see `keep`. */
  private readonly writes = new Map<string, { active: number; started: number }>();
  private readonly counters = { hits: 0, misses: 0, invalidations: 0, flushes: 0 };

  constructor(
    private readonly inner: SessionStore,
    options: CachedStoreOptions,
  ) {
    super();
    if (!(inner instanceof SessionStore) && typeof (inner as SessionStore | undefined)?.get !== 'function') {
      throw new TypeError('CachedStore: the first argument must be a SessionStore');
    }
    const { maxSize, ttl, subscriber, clearInterval: every = 0, pingInterval = 5_000 } = options ?? {};
    const positive = (name: string, value: unknown, zeroOk: boolean): void => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || (!zeroOk && value === 0)) {
        throw new TypeError(`CachedStore: option "${name}" must be a whole number ${zeroOk ? '>= 0' : '> 0'}`);
      }
    };
    positive('maxSize', maxSize, false);
    positive('ttl', ttl, false);
    positive('clearInterval', every, true);
    positive('pingInterval', pingInterval, true);
    this.ttl = ttl;
    this.cache = new LRUCache<string, Entry>({ max: maxSize });
    if (subscriber) {
      const publisher = options.publisher ?? (inner instanceof RedisStore ? inner.client : undefined);
      if (!publisher) {
        throw new TypeError('CachedStore: option "publisher" is required when the inner store is not a RedisStore');
      }
      const channel = options.channel ?? `${inner instanceof RedisStore ? inner.prefix : 'sess:'}invalidate`;
      this.bus = new InvalidationBus(
        { subscriber, publisher, channel, instanceId: options.instanceId, pingInterval },
        {
          invalidate: (id) => {
            this.epoch++;
            this.drop(id);
          },
          flush: () => this.flush(),
        },
      );
    }
    if (every > 0) {
      this.clearer = setInterval(() => this.flush(), every);
      this.clearer.unref();
    }
  }

  /** True while local copies are served: always without a subscriber, else while it is subscribed. */
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
    await this.write(id, async () => {
      this.drop(id);
      await this.inner.set(id, record, ttlMs);
      await this.published(id);
      return record;
    });
  }

  /** A new id: nobody else can hold a copy of it, so nothing is published. */
  async create(id: string, record: SessionRecord, ttlMs: number): Promise<boolean> {
    const written = await this.write(id, async () => {
      if (this.inner.create) return (await this.inner.create(id, record, ttlMs)) ? record : null;
      if ((await this.inner.get(id)) !== null) return null;
      await this.inner.set(id, record, ttlMs);
      return record;
    });
    return written !== null;
  }

  async patch(id: string, changes: SessionPatch, ttlMs: number): Promise<boolean> {
    let done = false;
    await this.write(id, async () => {
      const cached = this.cache.get(id);
      this.drop(id);
      if (this.inner.patch) {
        done = await this.inner.patch(id, changes, ttlMs);
      } else {
        const stored = await this.inner.get(id);
        if (stored) await this.inner.set(id, applyPatch(stored, changes), ttlMs);
        done = stored !== null;
      }
      if (!done) return null;
      await this.published(id);
      // Our own write: the copy we had plus these changes is what the inner store now holds.
      const base = cached && decodeRecord(cached.json);
      return base ? applyPatch(base, changes) : null;
    });
    return done;
  }

  /**
   * Expiry only, so nothing is published: another process's copy carries the
   * older idle deadline, and its cache entry dies no later than that.
   */
  async touch(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    await this.write(id, async () => {
      const cached = this.cache.get(id);
      if (this.inner.touch) await this.inner.touch(id, record, ttlMs);
      else await this.inner.set(id, record, ttlMs);
      const base = cached && this.cache.has(id) ? decodeRecord(cached.json) : null;
      return base ? { ...base, meta: { ...record.meta, owner: base.meta.owner } } : null;
    });
  }

  async destroy(id: string): Promise<void> {
    this.drop(id);
    await this.inner.destroy(id);
    await this.published(id);
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
    await this.inner.clear();
    await this.bus?.publish();
  }

  async listByOwner(owner: string): Promise<StoredSession[]> {
    if (this.inner.listByOwner) return this.inner.listByOwner(owner);
    if (!this.inner.all) throw new TypeError('CachedStore: the inner store lists no sessions');
    return (await this.inner.all()).filter((s) => s.record.meta.owner === owner);
  }

  async close(): Promise<void> {
    if (this.clearer) clearInterval(this.clearer);
    await this.bus?.close();
    this.flush();
    await this.inner.close?.();
  }

  /** Cache only while no invalidation can be missed: always without a subscriber, else while it is subscribed. */
  private trusted(): boolean {
    return this.bus === undefined || this.bus.isHealthy;
  }

  private load(id: string): Flight {
    const flight: Flight = { stale: false, promise: Promise.resolve(null) };
    flight.promise = this.inner.get(id).then(
      (record) => {
        if (this.flights.get(id) === flight) this.flights.delete(id);
        if (!record) return null;
        const json = encodeRecord(record);
        if (!flight.stale && this.trusted()) this.store(id, json, record.meta);
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
   * Run one write of `id`, then cache the record it returns — only when
   * nothing raced with it: no other write of this id here (overlapping
   * patches each know only their own keys), no invalidation from another
   * process and no flush meanwhile.
   */
  private async write(id: string, run: () => Promise<SessionRecord | null>): Promise<SessionRecord | null> {
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
    } finally {
      if (--state.active === 0) this.writes.delete(id);
      if (record && alone && state.started === number && epoch === this.epoch && this.trusted()) {
        this.store(id, encodeRecord(record), record.meta);
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

  private async published(id: string): Promise<void> {
    await this.bus?.publish(id);
  }
}
