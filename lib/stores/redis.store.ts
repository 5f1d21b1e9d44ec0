import { createHash } from 'node:crypto';
import { SessionStore } from './session-store.js';
import type { SessionMeta, SessionPatch, SessionRecord, StoredSession } from './session-record.js';
import { decodeRecord, MAX_RECORD_CHARS } from './record-codec.js';
import { assertConnected, type RedisClientLike } from './redis/redis-client.js';
import {
  CREATE,
  DESTROY,
  INDEX_ADD,
  MARK_INDEXED,
  PATCH,
  REPLACE,
  runScript,
  TOUCH,
  type RedisScript,
} from './redis/redis-scripts.js';

/** Turns one data value (or the meta) into the string stored in its hash field, and back. */
export interface RedisSerializer {
  stringify(value: unknown): string;
  parse(text: string): unknown;
}

export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster`, connected by you; the store never closes it. */
  client: RedisClientLike;
  /** Prefix of every key the store writes. Use one per app and environment. @default 'sess:' */
  prefix?: string;
  /** How field values are encoded. @default JSON */
  serializer?: RedisSerializer;
}

/** SCAN page size: large enough to be quick, small enough that no call blocks Redis. */
const SCAN_COUNT = 1_000;
const DATA = 'd:';

/** Escape Redis glob characters, so a prefix is matched literally by SCAN MATCH. */
const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Sessions in Redis, through ioredis (single node or Cluster).
 *
 * One hash per session under `<prefix>{<id>}`: the braces are a hash tag, so
 * all of a session's data lives in one Cluster slot. Writes are Lua scripts
 * (see redis-scripts.ts): create only if absent, patch and touch only if
 * present, each with its TTL (PEXPIRE) in the same atomic step. Owner indexes
 * (`<prefix>owner:{<sha256 of owner>}`) list a user's sessions.
 *
 * No command waits on a dead connection: while ioredis is reconnecting the
 * store throws at once, and SessionModule's `storeTimeout` bounds the rest.
 * Create the client with `recommendedRedisOptions` to also cancel commands a
 * hung server never answers.
 */
export class RedisStore extends SessionStore {
  /** The connection the store uses (CachedStore publishes its invalidations on it). */
  readonly client: RedisClientLike;
  /** Prefix of every key the store writes. */
  readonly prefix: string;
  private readonly serializer: RedisSerializer | undefined;
  private lastError: string | undefined;

  constructor(options: RedisStoreOptions) {
    super();
    const { client, prefix = 'sess:', serializer } = options ?? {};
    if (!client || typeof client.call !== 'function') {
      throw new TypeError('RedisStore: option "client" must be an ioredis Redis or Cluster instance');
    }
    if (typeof prefix !== 'string' || /[{}\s]/.test(prefix)) {
      throw new TypeError('RedisStore: option "prefix" must be a string without braces or whitespace');
    }
    this.client = client;
    this.prefix = prefix;
    this.serializer = serializer;
    // Remember the cause for error messages; also keeps ioredis from printing
    // "Unhandled error event" for every failed reconnect attempt.
    client.on('error', (error) => {
      this.lastError = error.message;
    });
  }

  async get(id: string): Promise<SessionRecord | null> {
    this.assertConnected();
    let reply: unknown;
    try {
      reply = await this.client.call('hgetall', this.key(id));
    } catch (error) {
      // Something else than a session hash under our key (checklist #63): no session.
      if (error instanceof Error && error.message.startsWith('WRONGTYPE')) return null;
      throw error;
    }
    return this.decode(reply);
  }

  async set(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    if (ttlMs < 0) return this.destroy(id);
    const [previous, due] = (await this.run(REPLACE, id, ttlMs, this.fields(record))) as [string, number];
    await this.reindex(id, previous, record.meta.owner, due, ttlMs);
  }

  async create(id: string, record: SessionRecord, ttlMs: number): Promise<boolean> {
    if (ttlMs < 0) return false;
    const [created, due] = (await this.run(CREATE, id, ttlMs, this.fields(record))) as [number, number?];
    if (created !== 1) return false;
    await this.reindex(id, '', record.meta.owner, due ?? 0, ttlMs);
    return true;
  }

  async patch(id: string, changes: SessionPatch, ttlMs: number): Promise<boolean> {
    if (ttlMs < 0) {
      await this.destroy(id);
      return false;
    }
    const unset = changes.unset.map((key) => DATA + key);
    const pairs = this.metaFields(changes.meta);
    if (changes.meta.owner === undefined) unset.push('o');
    for (const [key, value] of Object.entries(changes.set)) {
      const text = this.stringify(value);
      if (text === undefined) unset.push(DATA + key);
      else pairs.push(DATA + key, text);
    }
    const reply = (await this.run(PATCH, id, ttlMs, [unset.length, ...unset, ...pairs])) as [number, string?, number?];
    if (reply[0] !== 1) return false;
    await this.reindex(id, reply[1] ?? '', changes.meta.owner, reply[2] ?? 0, ttlMs);
    return true;
  }

  async touch(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    if (ttlMs < 0) return this.destroy(id);
    const reply = (await this.run(TOUCH, id, ttlMs, [this.encodeMeta(record.meta)])) as [number, string?, number?];
    if (reply[0] !== 1) return;
    const owner = reply[1] || undefined;
    await this.reindex(id, reply[1] ?? '', owner, reply[2] ?? 0, ttlMs);
  }

  async destroy(id: string): Promise<void> {
    const owner = (await this.run(DESTROY, id, 0, [])) as string;
    if (owner) await this.client.call('zrem', this.ownerKey(owner), id);
  }

  async all(): Promise<StoredSession[]> {
    const ids = await this.scanIds();
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return ids.flatMap((id, i) => (records[i] ? [{ id, record: records[i] }] : []));
  }

  async length(): Promise<number> {
    return (await this.scanIds()).length;
  }

  async clear(): Promise<void> {
    const keyPrefix = this.client.options?.keyPrefix ?? '';
    const start = globEscape(keyPrefix + this.prefix);
    // Only the two kinds of key this store writes, not `<prefix>*`: a store
    // whose prefix merely starts with ours (`sess:` and `sess:admin:`) keeps its sessions.
    const keys = [...(await this.scan(`${start}{*}`)), ...(await this.scan(`${start}owner:{*}`))];
    // One DEL per key: on a Cluster the keys live in different slots.
    await Promise.all(keys.map((key) => this.client.call('del', key.slice(keyPrefix.length))));
  }

  /** Live sessions of one owner; ids whose session has ended are pruned from the index. */
  async listByOwner(owner: string): Promise<StoredSession[]> {
    this.assertConnected();
    const indexKey = this.ownerKey(owner);
    const ids = (await this.client.call('zrange', indexKey, 0, -1)) as string[];
    const records = await Promise.all(ids.map((id) => this.get(id)));
    const live: StoredSession[] = [];
    const dead: string[] = [];
    ids.forEach((id, i) => {
      const record = records[i];
      if (record && record.meta.owner === owner) live.push({ id, record });
      else dead.push(id);
    });
    if (dead.length > 0) await this.client.call('zrem', indexKey, ...dead);
    return live;
  }

  /** Key of a session's hash. The id is a SHA-256 in base64url: no glob or brace can reach the key. */
  private key(id: string): string {
    return `${this.prefix}{${id}}`;
  }

  private ownerKey(owner: string): string {
    return `${this.prefix}owner:{${createHash('sha256').update(owner).digest('base64url')}}`;
  }

  private assertConnected(): void {
    assertConnected(this.client, this.lastError);
  }

  private run(s: RedisScript, id: string, ttlMs: number, args: (string | number)[]): Promise<unknown> {
    this.assertConnected();
    return runScript(this.client, s, this.key(id), [ttlMs, Date.now(), ...args]);
  }

  /**
   * Keep the owner index in step: drop the id from a previous owner's index,
   * and when the script says so, add it to the owner's and extend that
   * index's life to twice this TTL (so the next writes need not).
   */
  private async reindex(
    id: string,
    previous: string,
    owner: string | undefined,
    due: number,
    ttlMs: number,
  ): Promise<void> {
    if (previous && previous !== owner) await this.client.call('zrem', this.ownerKey(previous), id);
    if (owner === undefined || due !== 1) return;
    const now = Date.now();
    const life = ttlMs === 0 ? 0 : 2 * ttlMs;
    await runScript(this.client, INDEX_ADD, this.ownerKey(owner), [life, now, id]);
    await this.run(MARK_INDEXED, id, 0, [life === 0 ? 'inf' : now + life]);
  }

  private fields(record: SessionRecord): (string | number)[] {
    const out: (string | number)[] = ['v', 1, ...this.metaFields(record.meta)];
    for (const [key, value] of Object.entries(record.data)) {
      const text = this.stringify(value);
      if (text !== undefined) out.push(DATA + key, text);
    }
    return out;
  }

  /** `m` and, when the session has one, `o`: the owner is kept on its own so scripts can read it. */
  private metaFields(meta: SessionMeta): string[] {
    const out = ['m', this.encodeMeta(meta)];
    if (meta.owner !== undefined) out.push('o', meta.owner);
    return out;
  }

  private encodeMeta(meta: SessionMeta): string {
    const { owner: _owner, ...rest } = meta;
    return this.serializer ? this.serializer.stringify(rest) : JSON.stringify(rest);
  }

  private stringify(value: unknown): string | undefined {
    return this.serializer ? this.serializer.stringify(value) : JSON.stringify(value);
  }

  /**
   * HGETALL's reply → a record, or null for anything
   * that is not one. The size is checked before any parsing (checklist #87),
   * and the record goes through the same validation as every store's.
   */
  private decode(reply: unknown): SessionRecord | null {
    // ioredis turns HGETALL's flat reply into an object; accept both shapes.
    if (typeof reply === 'object' && reply !== null && !Array.isArray(reply)) reply = Object.entries(reply).flat();
    if (!Array.isArray(reply) || reply.length === 0) return null;
    let size = 0;
    let version: string | undefined;
    let meta: string | undefined;
    let owner: string | undefined;
    const data: Array<[string, string]> = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const field: unknown = reply[i];
      const value: unknown = reply[i + 1];
      if (typeof field !== 'string' || typeof value !== 'string') return null;
      size += field.length + value.length;
      if (size > MAX_RECORD_CHARS) return null;
      if (field === 'v') version = value;
      else if (field === 'm') meta = value;
      else if (field === 'o') owner = value;
      else if (field.startsWith(DATA)) data.push([field.slice(DATA.length), value]);
    }
    if (version !== '1' || meta === undefined) return null;
    const record = this.serializer ? this.decodeWithSerializer(meta, data) : this.decodeJson(meta, data);
    if (!record) return null;
    if (owner !== undefined) record.meta.owner = owner;
    else delete record.meta.owner;
    return record;
  }

  /** Default path: one JSON.parse for the whole record, values spliced in as the JSON they are. */
  private decodeJson(meta: string, data: Array<[string, string]>): SessionRecord | null {
    const body = data.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',');
    return decodeRecord(`{"v":1,"meta":${meta},"data":{${body}}}`);
  }

  private decodeWithSerializer(meta: string, data: Array<[string, string]>): SessionRecord | null {
    const serializer = this.serializer!;
    try {
      const record = { v: 1, meta: serializer.parse(meta), data: {} as Record<string, unknown> };
      for (const [key, value] of data) record.data[key] = serializer.parse(value);
      // Re-validated (and cleaned of prototype keys) exactly like a JSON record.
      return decodeRecord(JSON.stringify(record));
    } catch {
      return null;
    }
  }

  /** Public ids of every session key, over every master of a Cluster, duplicates removed. */
  private async scanIds(): Promise<string[]> {
    const keyPrefix = this.client.options?.keyPrefix ?? '';
    const start = keyPrefix.length + this.prefix.length + 1;
    const keys = await this.scan(`${globEscape(keyPrefix + this.prefix)}{*}`);
    return keys.map((key) => key.slice(start, -1));
  }

  /** SCAN with MATCH and COUNT (never KEYS), on each master; returns full keys, deduplicated. */
  private async scan(pattern: string): Promise<string[]> {
    this.assertConnected();
    const nodes = this.client.nodes ? this.client.nodes('master') : [this.client];
    const found = new Set<string>();
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = (await node.call('scan', cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT)) as [
          string,
          string[],
        ];
        for (const key of keys) found.add(key);
        cursor = next;
      } while (cursor !== '0');
    }
    return [...found];
  }
}
