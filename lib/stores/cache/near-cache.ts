import { dataJson, rememberDataText } from '../known-json.js';
import { decodeRecord, mayReachPrototype } from '../record-codec.js';
import type { SessionMeta, SessionRecord } from '../session-record.js';

interface Entry {
  /** The record as JSON: every reader gets its own parsed copy (checklist #55). */
  json: string;
  /** Where the data's own text starts in `json` (it runs to the closing brace before the last). */
  dataStart: number;
  /** No key that could reach a prototype is in `json`: a plain JSON.parse gives the record back. */
  plain: boolean;
  /** When this copy stops being served: never past `ttl`, nor the session's own deadlines. */
  deadline: number;
  /** Read since it was stored or last spared by eviction (its second chance). */
  used: boolean;
}

/** One load of an id from the inner store, shared by every concurrent reader of that id. */
interface Flight {
  /** The loaded record and its JSON: the first reader takes the record itself (nobody else holds it), the others parse the JSON. */
  promise: Promise<{ record: SessionRecord; json: string; taken: boolean } | null>;
  /** Set when an invalidation, a flush or a write of the id comes meanwhile: the result is returned but not cached. */
  stale: boolean;
}

/**
 * A fresh copy of a cached record. The JSON is ours (encoded from a checked
 * record), so it needs no checking again unless it holds a key that could
 * reach a prototype, which `decodeRecord` drops.
 */
function copyOf(entry: Entry): SessionRecord | null {
  return entry.plain ? (JSON.parse(entry.json) as SessionRecord) : decodeRecord(entry.json);
}

/** A record as the cache keeps it: JSON.stringify's text of it, and where its data's text starts. */
export interface CacheText {
  json: string;
  dataStart: number;
}

/** Encode a record for the cache (the data from the commit's own JSON when it has it, see known-json.ts). */
export function cacheTextOf(record: SessionRecord): CacheText {
  const head = `{"v":1,"meta":${JSON.stringify(record.meta)},"data":`;
  return { json: `${head}${dataJson(record.data)}}`, dataStart: head.length };
}

/**
 * The in-process part of CachedStore: an LRU of records (as JSON) with
 * capped lifetimes, the loads in flight (one per id, shared by its readers),
 * and the counters. It knows nothing of invalidation sources: CachedStore
 * decides what may be cached and tells it what to drop.
 *
 * Eviction is LRU by second chance over a Map (iteration follows insertion
 * order): a hit only marks its entry used, and when the cache is full the
 * oldest entries that were used since are moved to the end, unmarked, until
 * an unused one is found and evicted. A hit thus changes no Map, and every
 * operation is amortised O(1) whatever `maxSize` (each mark is cleared at
 * most once): invalidations delete entries all the time, and a cache that
 * preallocates `maxSize` slots and refills them whenever it empties would
 * pay O(maxSize) for the last one.
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
    if (entry.deadline <= Date.now()) {
      this.entries.delete(id);
      return undefined;
    }
    entry.used = true;
    this.counters.hits++;
    const copy = copyOf(entry);
    // A plain entry's data is its text parsed: the load may take the text as its baseline.
    if (copy && entry.plain) rememberDataText(copy.data, entry.json.slice(entry.dataStart, -1));
    return copy;
  }

  /** The cached record of `id`, if any (for a write that builds on it). */
  peek(id: string): SessionRecord | null {
    const entry = this.entries.get(id);
    return entry ? copyOf(entry) : null;
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
          // Encoded before any reader holds the record, so the cache keeps what was loaded.
          const text = cacheTextOf(record);
          if (!own.stale && cacheable()) this.store(id, text, record.meta);
          return { record, json: text.json, taken: false };
        },
        (error: unknown) => {
          if (this.flights.get(id) === own) this.flights.delete(id);
          throw error;
        },
      );
      this.flights.set(id, own);
      flight = own;
    }
    const loaded = await flight.promise;
    if (loaded === null) return null;
    if (loaded.taken) return decodeRecord(loaded.json);
    loaded.taken = true;
    return loaded.record;
  }

  store(id: string, { json, dataStart }: CacheText, meta: SessionMeta): void {
    let deadline = Date.now() + this.ttl;
    if (meta.idleExpiresAt > 0) deadline = Math.min(deadline, meta.idleExpiresAt);
    if (meta.absoluteExpiresAt > 0) deadline = Math.min(deadline, meta.absoluteExpiresAt);
    this.entries.delete(id);
    this.entries.set(id, { json, dataStart, plain: !mayReachPrototype(json), deadline, used: false });
    if (this.entries.size > this.maxSize) this.evictOne();
  }

  /** Drop the least recently used entry: the oldest one not read since it was stored or last spared. */
  private evictOne(): void {
    for (const [id, entry] of this.entries) {
      this.entries.delete(id);
      if (!entry.used) return;
      entry.used = false;
      this.entries.set(id, entry);
    }
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
