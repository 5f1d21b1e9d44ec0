import { decodeRecord, encodeRecord } from '../record-codec.js';
import type { SessionMeta, SessionRecord } from '../session-record.js';

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
 * The in-process part of CachedStore: an LRU of records (as JSON) with
 * capped lifetimes, the loads in flight (one per id, shared by its readers),
 * and the counters. It knows nothing of invalidation sources: CachedStore
 * decides what may be cached and tells it what to drop.
 *
 * The LRU is a Map (iteration follows insertion order: a hit moves its entry
 * to the end, the first entry is the least recently used). Every operation
 * is O(1) whatever `maxSize`: invalidations delete entries all the time, and
 * a cache that preallocates `maxSize` slots and refills them whenever it
 * empties would pay O(maxSize) for the last one.
 */
export class NearCache {
  private readonly entries = new Map<string, Entry>();
  private readonly flights = new Map<string, Flight>();
  readonly counters = { hits: 0, misses: 0, invalidations: 0, flushes: 0 };
  /** Bumped by every flush (and by CachedStore on every invalidation from elsewhere). */
  epoch = 0;

  constructor(
    readonly maxSize: number,
    private readonly ttl: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached record (a fresh copy), or undefined when absent or past its deadline. */
  hit(id: string): SessionRecord | null | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    if (entry.deadline <= Date.now()) return undefined;
    this.entries.set(id, entry); // now the most recently used
    this.counters.hits++;
    return decodeRecord(entry.json);
  }

  /** The cached JSON of `id`, if any (for a write that builds on it). */
  peek(id: string): SessionRecord | null {
    const entry = this.entries.get(id);
    return entry ? decodeRecord(entry.json) : null;
  }

  /**
   * Load `id` with `fetch`, joining a load of it already in flight. The
   * result is cached only when `cacheable(id)` says so at the end and no
   * drop or flush came meanwhile; `stale` starts the flight as uncacheable.
   */
  async load(
    id: string,
    fetch: () => Promise<SessionRecord | null>,
    cacheable: () => boolean,
    stale: boolean,
  ): Promise<SessionRecord | null> {
    this.counters.misses++;
    let flight = this.flights.get(id);
    if (!flight) {
      const own: Flight = { stale, promise: Promise.resolve(null) };
      own.promise = fetch().then(
        (record) => {
          if (this.flights.get(id) === own) this.flights.delete(id);
          if (!record) return null;
          const json = encodeRecord(record);
          if (!own.stale && cacheable()) this.store(id, json, record.meta);
          return json;
        },
        (error: unknown) => {
          if (this.flights.get(id) === own) this.flights.delete(id);
          throw error;
        },
      );
      this.flights.set(id, own);
      flight = own;
    }
    const json = await flight.promise;
    return json === null ? null : decodeRecord(json);
  }

  store(id: string, json: string, meta: SessionMeta): void {
    let deadline = Date.now() + this.ttl;
    if (meta.idleExpiresAt > 0) deadline = Math.min(deadline, meta.idleExpiresAt);
    if (meta.absoluteExpiresAt > 0) deadline = Math.min(deadline, meta.absoluteExpiresAt);
    this.entries.delete(id);
    this.entries.set(id, { json, deadline });
    if (this.entries.size > this.maxSize) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Forget one id, including a load in flight (its result must not be cached). */
  drop(id: string): void {
    this.counters.invalidations++;
    this.entries.delete(id);
    const flight = this.flights.get(id);
    if (flight) {
      flight.stale = true;
      this.flights.delete(id);
    }
  }

  /** Forget everything, loads in flight included. */
  flush(): void {
    this.epoch++;
    this.counters.flushes++;
    this.entries.clear();
    for (const flight of this.flights.values()) flight.stale = true;
    this.flights.clear();
  }
}
