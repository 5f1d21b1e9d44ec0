import { SessionStore } from './session-store.js';
import type { SessionMeta, SessionPatch, SessionRecord, StoredSession } from './session-record.js';
import { keyJsonOf } from './known-json.js';
import { assertConnected, type RedisClientLike } from './redis/redis-client.js';
import { allSessions, clearKeys, listIndexed, sessionIds } from './redis/redis-listings.js';
import { partsOfV1 } from './redis/legacy-v1.js';
import { OwnerKeys, ownerOf, syncOwnerIndex } from './redis/owner-index.js';
import { isWrongType, notThere, REWRITE, runOnSession } from './redis/session-scripts.js';
import {
  type RedisSerializer,
  encodeEntry,
  encodeHead,
  encodeMeta,
  LayoutCodec,
  splitText,
} from './redis/record-layout.js';
import {
  CREATE_INDEXED,
  DESTROY,
  INDEX_ADD,
  PATCH,
  REPLACE,
  runScript,
  TOUCH,
  type RedisScript,
} from './redis/redis-scripts.js';

export type { RedisSerializer };

export interface RedisStoreOptions {
  /** An ioredis `Redis` or `Cluster`, connected by you; the store never closes it. */
  client: RedisClientLike;
  /** Prefix of every key the store writes. Use one per app and environment. @default 'sess:' */
  prefix?: string;
  /** How data values are encoded. @default JSON */
  serializer?: RedisSerializer;
}

/**
 * Sessions in Redis, through ioredis (single node or Cluster).
 *
 * One string per session under `<prefix>{<id>}` (layout v2, see
 * redis/record-layout.ts): the braces are a hash tag, so a Cluster keeps it
 * in one slot. A read is one GET; a write is one command: SET NX for an
 * anonymous create, else one Lua script (redis/redis-scripts.ts) that writes
 * only the changed keys, only if the session is present (create: absent),
 * with its TTL, and on a single node keeps the owner index
 * (`<prefix>owner:{<sha256 of owner>}`) in step too. Sessions of the v1
 * layout (hashes) are read, and rewritten as v2 by their next write.
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
  private readonly codec: LayoutCodec;
  /** A Cluster keeps an owner's index in another slot than the session: scripts cannot reach it. */
  private readonly cluster: boolean;
  private lastError: string | undefined;
  private readonly ownerKeys: OwnerKeys;

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
    this.codec = new LayoutCodec(serializer);
    this.ownerKeys = new OwnerKeys(prefix);
    this.cluster = typeof client.nodes === 'function';
    // Remember the cause for error messages; also keeps ioredis from printing
    // "Unhandled error event" for every failed reconnect attempt.
    client.on('error', (error) => {
      this.lastError = error.message;
    });
  }

  async get(id: string): Promise<SessionRecord | null> {
    this.assertConnected();
    try {
      const text = await this.client.call('get', this.key(id));
      return typeof text === 'string' ? this.codec.decode(splitText(text)) : null;
    } catch (error) {
      if (!isWrongType(error)) throw error;
    }
    // Not a string: a session of the v1 layout, or something else (checklist #63: no session).
    try {
      return this.codec.decode(partsOfV1(await this.client.call('hgetall', this.key(id))));
    } catch (error) {
      if (isWrongType(error)) return null;
      throw error;
    }
  }

  async set(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    if (ttlMs < 0) return this.destroy(id);
    const owner = record.meta.owner;
    // Something else than a session under the key: a set overwrites it.
    const overwrite = async () => {
      await this.client.call('del', this.key(id));
      return REWRITE;
    };
    const entries = this.codec.entries(record.data);
    const reply = (await this.write(REPLACE, id, ttlMs, record.meta, owner, [entries], overwrite)) as [string, number];
    await this.syncIndex(id, reply[0], owner, reply[1], ttlMs);
  }

  async create(id: string, record: SessionRecord, ttlMs: number): Promise<boolean> {
    if (ttlMs < 0) return false;
    this.assertConnected();
    const owner = record.meta.owner;
    const entries = this.codec.entries(record.data);
    if (owner === undefined) return this.setIfAbsent(id, encodeHead(undefined, '', record.meta) + entries, ttlMs);
    const now = Date.now();
    const life = ttlMs === 0 ? 0 : 2 * ttlMs;
    const value = encodeHead(owner, life === 0 ? 'inf' : String(now + life), record.meta) + entries;
    if (!this.cluster) {
      const keys = [this.key(id), this.ownerKeys.of(owner)];
      return (await runScript(this.client, CREATE_INDEXED, keys, [ttlMs, now, '', '', id, value])) === 1;
    }
    // A Cluster: the index and the session at once (one round trip). Should the index
    // write fail, the login fails and its token is never sent: the session beside it
    // is unreachable, and deleted here as well as can be.
    const [indexed, created] = await Promise.allSettled([
      runScript(this.client, INDEX_ADD, [this.ownerKeys.of(owner)], [life, now, id]),
      this.setIfAbsent(id, value, ttlMs),
    ]);
    if (indexed.status === 'rejected') {
      if (created.status === 'fulfilled' && created.value) await this.client.call('del', this.key(id)).catch(() => 0);
      throw indexed.reason;
    }
    if (created.status === 'rejected') throw created.reason;
    return created.value;
  }

  async patch(id: string, changes: SessionPatch, ttlMs: number): Promise<boolean> {
    if (ttlMs < 0) {
      await this.destroy(id);
      return false;
    }
    const drop = changes.unset.map((key) => JSON.stringify(key));
    const known = keyJsonOf(changes.set);
    let added = '';
    for (const [key, value] of Object.entries(changes.set)) {
      const text = this.codec.value(key, value, known);
      drop.push(JSON.stringify(key));
      if (text !== undefined) added += encodeEntry(key, text);
    }
    const owner = changes.meta.owner;
    const reply = (await this.write(
      PATCH,
      id,
      ttlMs,
      changes.meta,
      owner,
      [drop.length, ...drop, added],
      notThere,
    )) as [number, string?, number?];
    if (reply[0] !== 1) return false;
    await this.syncIndex(id, reply[1] ?? '', owner, reply[2] ?? 0, ttlMs);
    return true;
  }

  async touch(id: string, record: SessionRecord, ttlMs: number): Promise<void> {
    if (ttlMs < 0) return this.destroy(id);
    const reply = (await this.write(TOUCH, id, ttlMs, record.meta, record.meta.owner, [], notThere)) as [
      number,
      string?,
      number?,
    ];
    if (reply[0] !== 1) return;
    // The owner is the stored one, which a touch keeps.
    await this.syncIndex(id, '', ownerOf(reply[1] ?? ''), reply[2] ?? 0, ttlMs);
  }

  async destroy(id: string): Promise<void> {
    this.assertConnected();
    const key = this.key(id);
    const reply = await runOnSession(this.client, DESTROY, [key], [], async () => this.client.call('del', key));
    const owner = ownerOf(typeof reply === 'string' ? reply : '');
    if (owner !== undefined) await this.client.call('zrem', this.ownerKeys.of(owner), id);
  }

  async all(): Promise<StoredSession[]> {
    this.assertConnected();
    return allSessions(this.client, this.prefix, (id) => this.get(id));
  }

  async length(): Promise<number> {
    this.assertConnected();
    return (await sessionIds(this.client, this.prefix)).length;
  }

  async clear(): Promise<void> {
    this.assertConnected();
    await clearKeys(this.client, this.prefix);
  }

  /** Live sessions of one owner; ids whose session has ended are pruned from the index. */
  async listByOwner(owner: string): Promise<StoredSession[]> {
    this.assertConnected();
    return listIndexed(this.client, this.ownerKeys.of(owner), owner, (id) => this.get(id));
  }

  /** Key of a session. The id is a SHA-256 in base64url: no glob or brace can reach the key. */
  private key(id: string): string {
    return `${this.prefix}{${id}}`;
  }

  private assertConnected(): void {
    assertConnected(this.client, this.lastError);
  }

  /**
   * A write script: KEYS = the session (and on a single node the owner's
   * index), ARGV as redis-scripts.ts says; `foreign` says what to do when
   * the key holds something else than a session (after a v1 one was converted).
   */
  private write(
    s: RedisScript,
    id: string,
    ttlMs: number,
    meta: SessionMeta,
    owner: string | undefined,
    extra: (string | number)[],
    foreign: () => Promise<unknown>,
  ): Promise<unknown> {
    this.assertConnected();
    const key = this.key(id);
    const keys = owner === undefined || this.cluster ? [key] : [key, this.ownerKeys.of(owner)];
    const ownerJson = owner === undefined ? '' : JSON.stringify(owner);
    return runOnSession(this.client, s, keys, [ttlMs, Date.now(), ownerJson, encodeMeta(meta), id, ...extra], foreign);
  }

  /** The owner index after a write (see syncOwnerIndex). */
  private syncIndex(id: string, previous: string, owner: string | undefined, due: number, ttlMs: number) {
    return syncOwnerIndex(this.client, this.ownerKeys, this.key(id), id, { previous, owner, due, ttlMs });
  }

  private async setIfAbsent(id: string, value: string, ttlMs: number): Promise<boolean> {
    const expiry = ttlMs > 0 ? ['PX', ttlMs] : [];
    return (await this.client.call('set', this.key(id), value, ...expiry, 'NX')) === 'OK';
  }
}
