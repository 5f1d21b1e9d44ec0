import { SessionStore } from './session-store.js';
import type { SessionPatch, SessionRecord, StoredSession } from './session-record.js';
import { applyPatch, decodeRecord } from './record-codec.js';

export interface MemoryStoreOptions {
  /** Most sessions kept; the least recently used is dropped past it. Unbounded when unset. */
  maxSize?: number;
  /** How often expired entries are removed without being read, ms. @default 600_000 */
  reapInterval?: number;
}

interface Entry {
  /** The record as JSON: one compact string per session, copied on every read. */
  json: string;
  /** 0 = never expires. */
  expiresAt: number;
  owner: string | undefined;
}

/**
 * An in-process store: expiry by TTL, a reaper for entries nobody reads, an
 * optional LRU bound. For one process only: use RedisStore when you run several.
 */
export class MemoryStore extends SessionStore {
  private readonly entries = new Map<string, Entry>();
  private readonly owners = new Map<string, Set<string>>();
  private readonly maxSize: number;
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
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.entries.delete(id);
    this.entries.set(id, entry);
    return decodeRecord(entry.json);
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
    const record = decodeRecord(entry.json);
    if (!record) return false;
    this.write(id, applyPatch(record, changes), ttlMs);
    return true;
  }

  async touch(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    const entry = this.live(id);
    if (!entry) return;
    const stored = decodeRecord(entry.json);
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
      const record = entry && decodeRecord(entry.json);
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
  }

  async listByOwner(owner: string): Promise<StoredSession[]> {
    const out: StoredSession[] = [];
    for (const id of [...(this.owners.get(owner) ?? [])]) {
      const entry = this.live(id);
      const record = entry && decodeRecord(entry.json);
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
    this.entries.delete(id);
    this.entries.set(id, {
      json: JSON.stringify(record),
      expiresAt: ttlMs === 0 ? 0 : Date.now() + ttlMs,
      owner,
    });
    if (owner !== undefined) {
      let ids = this.owners.get(owner);
      if (!ids) this.owners.set(owner, (ids = new Set()));
      ids.add(id);
    }
    while (this.entries.size > this.maxSize) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest);
    }
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    if (entry.owner !== undefined) this.unindex(entry.owner, id);
  }

  private unindex(owner: string, id: string): void {
    const ids = this.owners.get(owner);
    if (!ids) return;
    ids.delete(id);
    if (ids.size === 0) this.owners.delete(owner);
  }
}
