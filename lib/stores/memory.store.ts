import { SessionStore } from './session-store.js';
import type { SessionData, SessionMeta, SessionPatch, SessionRecord, StoredSession } from './session-record.js';
import { applyPatch, MAX_RECORD_CHARS, mayReachPrototype, parseStored } from './record-codec.js';
import { dataJson, rememberDataText } from './known-json.js';

export interface MemoryStoreOptions {
  /** Most sessions kept; the least recently used is dropped past it. Unbounded when unset. */
  maxSize?: number;
  /** How often expired entries are removed without being read, ms. @default 600_000 */
  reapInterval?: number;
}

interface Entry {
  /**
   * The record as compact JSON (see `encodeEntry`): one flat string per
   * session, parsed afresh on every read (so callers never share objects).
   */
  json: string;
  /** `meta.userAgent`, shared between the sessions of one browser (see `userAgents`). */
  userAgent: string | undefined;
  /** 0 = never expires. */
  expiresAt: number;
  owner: string | undefined;
}

/** Distinct user agents kept for sharing; past this many, new ones are stored per session. */
const MAX_SHARED_USER_AGENTS = 1_000;

/**
 * An in-process store: expiry by TTL, a reaper for entries nobody reads, an
 * optional LRU bound. For one process only: use RedisStore when you run several.
 */
export class MemoryStore extends SessionStore {
  private readonly entries = new Map<string, Entry>();
  /** Owner → the id of its session, or a Set of ids when it has several (most owners have one). */
  private readonly owners = new Map<string, string | Set<string>>();
  /** One copy of each user agent (sessions of one browser repeat it), bounded. */
  private readonly userAgents = new Map<string, string>();
  private readonly maxSize: number;
  /** The id last moved to the end of `entries` (the most recently used), when `maxSize` is set. */
  private newest: string | undefined;
  private reaper: NodeJS.Timeout | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    super();
    const { maxSize, reapInterval = 600_000 } = options;
    if (maxSize !== undefined && !(Number.isInteger(maxSize) && maxSize > 0)) {
      throw new TypeError('MemoryStore: maxSize must be a positive integer');
    }
    if (!(Number.isFinite(reapInterval) && reapInterval >= 0)) {
      throw new TypeError('MemoryStore: reapInterval must be a number of ms >= 0');
    }
    this.maxSize = maxSize ?? Infinity;
    if (reapInterval > 0) {
      this.reaper = setInterval(() => this.reap(), reapInterval);
      // The reaper must never keep a process (or a test runner) alive.
      this.reaper.unref();
    }
  }

  async get(id: string): Promise<SessionRecord | null> {
    const entry = this.live(id);
    if (!entry) return null;
    this.markUsed(id, entry);
    return decodeEntry(entry, true);
  }

  async set(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    this.write(id, record, ttlMs);
  }

  async create(id: string, record: SessionRecord, ttlMs: number): Promise<boolean> {
    if (this.live(id)) return false;
    this.write(id, record, ttlMs);
    return true;
  }

  async patch(id: string, changes: SessionPatch, ttlMs: number): Promise<boolean> {
    const entry = this.live(id);
    if (!entry) return false;
    const record = decodeEntry(entry);
    if (!record) return false;
    this.write(id, applyPatch(record, changes), ttlMs);
    return true;
  }

  async touch(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    const entry = this.live(id);
    if (!entry) return;
    const stored = decodeEntry(entry);
    if (!stored) return;
    // Only the expiry bookkeeping changes: data written meanwhile is kept.
    this.write(id, { ...stored, meta: { ...record.meta, owner: stored.meta.owner } }, ttlMs);
  }

  async destroy(id: string): Promise<void> {
    this.remove(id);
  }

  async all(): Promise<StoredSession[]> {
    const out: StoredSession[] = [];
    for (const id of [...this.entries.keys()]) {
      const entry = this.live(id);
      const record = entry && decodeEntry(entry);
      if (record) out.push({ id, record });
    }
    return out;
  }

  async length(): Promise<number> {
    this.reap();
    return this.entries.size;
  }

  async clear(): Promise<void> {
    this.entries.clear();
    this.owners.clear();
    this.userAgents.clear();
  }

  async listByOwner(owner: string): Promise<StoredSession[]> {
    const out: StoredSession[] = [];
    const indexed = this.owners.get(owner);
    const ids = indexed === undefined ? [] : typeof indexed === 'string' ? [indexed] : [...indexed];
    for (const id of ids) {
      const entry = this.live(id);
      const record = entry && decodeEntry(entry);
      if (record) out.push({ id, record });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.reaper) clearInterval(this.reaper);
    this.reaper = undefined;
  }

  /** Remove every expired entry now. Runs on the reaper's timer. */
  reap(now = Date.now()): void {
    for (const [id, entry] of this.entries) {
      if (entry.expiresAt !== 0 && entry.expiresAt <= now) this.remove(id);
    }
  }

  private live(id: string): Entry | undefined {
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt !== 0 && entry.expiresAt <= Date.now()) {
      this.remove(id);
      return undefined;
    }
    return entry;
  }

  private write(id: string, record: SessionRecord, ttlMs: number): void {
    if (ttlMs < 0) {
      this.remove(id);
      return;
    }
    const owner = record.meta.owner;
    const previous = this.entries.get(id);
    if (previous?.owner !== undefined && previous.owner !== owner) this.unindex(previous.owner, id);
    const userAgent = record.meta.userAgent;
    const entry: Entry = {
      json: encodeEntry(record),
      userAgent: userAgent === undefined ? undefined : this.shared(userAgent),
      expiresAt: ttlMs === 0 ? 0 : Date.now() + ttlMs,
      owner,
    };
    if (previous === undefined) {
      this.entries.set(id, entry); // added last: now the most recently used
      this.newest = id;
    } else this.markUsed(id, entry);
    if (owner !== undefined) {
      const ids = this.owners.get(owner);
      if (ids === undefined) this.owners.set(owner, id);
      else if (typeof ids !== 'string') ids.add(id);
      else if (ids !== id) this.owners.set(owner, new Set([ids, id]));
    }
    while (this.entries.size > this.maxSize) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
    }
  }

  /**
   * Store `entry` under `id`, an id already present, as the most recently
   * used. The order only matters to an LRU bound, so without `maxSize` the
   * entry is replaced where it is: deleting and re-adding the same key
   * leaves a deleted slot in its hash bucket each time (V8 clears them only
   * when the Map is rehashed), and a hot session's lookups got slower with
   * every request until then. With a bound, the newest entry is not moved.
   */
  private markUsed(id: string, entry: Entry): void {
    if (this.maxSize === Infinity || this.newest === id) {
      this.entries.set(id, entry);
      return;
    }
    this.entries.delete(id);
    this.entries.set(id, entry);
    this.newest = id;
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    if (entry.owner !== undefined) this.unindex(entry.owner, id);
  }

  private unindex(owner: string, id: string): void {
    const ids = this.owners.get(owner);
    if (ids === undefined) return;
    if (typeof ids === 'string') {
      if (ids === id) this.owners.delete(owner);
      return;
    }
    ids.delete(id);
    if (ids.size === 1) this.owners.set(owner, ids.values().next().value!);
    else if (ids.size === 0) this.owners.delete(owner);
  }

  /** The kept copy of a user agent string, so sessions of one browser share it. */
  private shared(userAgent: string): string {
    const kept = this.userAgents.get(userAgent);
    if (kept !== undefined) return kept;
    if (this.userAgents.size < MAX_SHARED_USER_AGENTS) this.userAgents.set(userAgent, userAgent);
    return userAgent;
  }
}

/** Meta fields kept outside the meta object of the entry's JSON. */
const META_FIELDS: ReadonlySet<string> = new Set([
  'createdAt',
  'lastActiveAt',
  'idleExpiresAt',
  'absoluteExpiresAt',
  'maxAge',
  'owner',
  'userAgent',
  'fingerprint',
]);

/**
 * The JSON an entry keeps: `[createdAt, lastActiveAt, idleExpiresAt,
 * absoluteExpiresAt, maxAge, fingerprint | 0, other meta | 0, data]`. The
 * owner and user agent live on the entry (the user agent shared between
 * sessions), so the string holds no key names of meta, and no copy of them.
 */
function encodeEntry(record: SessionRecord): string {
  const { meta } = record;
  // Not a record (as decodeRecord judges): kept as something no read accepts.
  if (record.v !== 1 || !isPlainObject(meta) || !isPlainObject(record.data)) return '0';
  let extra: Record<string, unknown> | 0 = 0;
  for (const key of Object.keys(meta)) {
    if (!META_FIELDS.has(key)) (extra ||= {})[key] = meta[key as keyof SessionMeta];
  }
  const head = JSON.stringify([
    meta.createdAt,
    meta.lastActiveAt,
    meta.idleExpiresAt,
    meta.absoluteExpiresAt,
    meta.maxAge,
    meta.fingerprint ?? 0,
    extra,
  ]);
  // The data's JSON as the commit computed it, when it did (see known-json.ts).
  const json = `${head.slice(0, -1)},${dataJson(record.data)}]`;
  // JSON.stringify returns a rope of parts; reading a character flattens it
  // in place into one string (about 190 bytes less per 550-character session).
  json.charCodeAt(0);
  return json;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMeta(meta: Record<string, unknown>): boolean {
  for (const key of ['createdAt', 'lastActiveAt', 'idleExpiresAt', 'absoluteExpiresAt', 'maxAge']) {
    if (typeof meta[key] !== 'number' || !Number.isFinite(meta[key])) return false;
  }
  for (const key of ['owner', 'userAgent', 'fingerprint']) {
    if (meta[key] !== undefined && typeof meta[key] !== 'string') return false;
  }
  return true;
}

/**
 * The stored record of an entry, or null when it is not a valid record (as
 * `decodeRecord`: a record with bad meta or data is no session, and
 * `__proto__`, `constructor` and `prototype` keys are dropped at every depth).
 * `hint`: tell the load the data's text (see known-json.ts).
 */
function decodeEntry(entry: Entry, hint = false): SessionRecord | null {
  const suspicious = mayReachPrototype(entry.json);
  const parsed = parseStored(entry.json, MAX_RECORD_CHARS, suspicious);
  if (!Array.isArray(parsed) || parsed.length !== 8) return null;
  const [createdAt, lastActiveAt, idleExpiresAt, absoluteExpiresAt, maxAge, fingerprint, extra, data] = parsed as [
    number,
    number,
    number,
    number,
    number,
    string | 0,
    Record<string, unknown> | 0,
    SessionData,
  ];
  if (hint && !suspicious && fingerprint === 0 && extra === 0 && isPlainObject(data)) hintDataText(entry.json, data);
  const meta: Record<string, unknown> = isPlainObject(extra) ? extra : {};
  Object.assign(meta, { createdAt, lastActiveAt, idleExpiresAt, absoluteExpiresAt, maxAge });
  if (entry.owner !== undefined) meta.owner = entry.owner;
  if (entry.userAgent !== undefined) meta.userAgent = entry.userAgent;
  if (fingerprint !== 0) meta.fingerprint = fingerprint;
  if (!isMeta(meta) || !isPlainObject(data)) return null;
  return { v: 1, meta: meta as unknown as SessionMeta, data };
}

/**
 * An entry without fingerprint or other meta is `[n,n,n,n,n,0,0,<data>]`, as
 * encodeEntry wrote it: the data's text follows the seventh comma (numbers
 * hold none), checked, so any other spelling just gives no hint; so do the
 * rarer shapes. (Text with a key that could reach a prototype was parsed
 * with those keys dropped: it is not the data's, and the caller gives none.)
 */
function hintDataText(json: string, data: SessionData): void {
  let start = 0;
  for (let commas = 0; commas < 7; commas++) {
    start = json.indexOf(',', start) + 1;
    if (start === 0) return;
  }
  if (json.charCodeAt(start) !== 123 || !json.startsWith(',0,0,', start - 5)) return; // 123: '{'
  rememberDataText(data, json.slice(start, -1));
}

/**
 * @internal Whether `store[method]` is MemoryStore's own implementation, which
 * answers in-process without waiting on anything, so the module needs no
 * deadline for it. False for subclasses that override the method, stubs and
 * spies, and every other store.
 */
export function answersInProcess(store: SessionStore, method: string): boolean {
  return (
    store instanceof MemoryStore &&
    (store as unknown as Record<string, unknown>)[method] ===
      (MemoryStore.prototype as unknown as Record<string, unknown>)[method]
  );
}
