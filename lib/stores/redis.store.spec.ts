import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { Redis as IORedis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { connectRedis, deleteByPrefix, REDIS_URL, uniquePrefix } from '../../test/support/redis.js';
import { freePort, waitFor } from '../../test/support/redis-server.js';
import { dataTextOf } from './known-json.js';
import { RedisStore, type RedisSerializer, type RedisStoreOptions } from './redis.store.js';
import { recommendedRedisOptions, type RedisClientLike } from './redis/redis-client.js';
import type { SessionMeta, SessionRecord } from './session-record.js';
import { v2Parts } from '../../test/support/redis-layouts.js';

/**
 * RedisStore against the real Redis at REDIS_URL (never a mock), under a
 * prefix of this file's own that is deleted afterwards.
 */

const TTL = 60_000;

/** A public session id, shaped like the module's (SHA-256, base64url). */
const newId = (): string => randomBytes(32).toString('base64url');

function meta(overrides: Partial<SessionMeta> = {}): SessionMeta {
  const now = Date.now();
  return {
    createdAt: now,
    lastActiveAt: now,
    idleExpiresAt: now + TTL,
    absoluteExpiresAt: 0,
    maxAge: TTL,
    ...overrides,
  };
}

function record(data: Record<string, unknown>, overrides: Partial<SessionMeta> = {}): SessionRecord {
  return { v: 1, meta: meta(overrides), data };
}

const ownerKeyOf = (prefix: string, owner: string): string =>
  `${prefix}owner:{${createHash('sha256').update(owner).digest('base64url')}}`;

let client: Redis;
let base: string;
let prefix: string;
let store: RedisStore;
const sessionKey = (id: string, p = prefix): string => `${p}{${id}}`;

/** A client that records every command name the store sends. */
function recording(target: Redis): { client: RedisClientLike; commands: string[] } {
  const commands: string[] = [];
  return {
    commands,
    client: {
      get status() {
        return target.status;
      },
      options: target.options,
      call: (command, ...args) => {
        commands.push(command.toLowerCase());
        return target.call(command, ...args);
      },
      on: (event, listener) => target.on(event, listener),
    },
  };
}

beforeAll(async () => {
  client = await connectRedis();
  base = uniquePrefix('redis-store-spec');
  prefix = `${base}main:`;
  store = new RedisStore({ client, prefix });
});

afterAll(async () => {
  await deleteByPrefix(client, base);
  await client.quit();
});

describe('RedisStore round trip', () => {
  it('gives back exactly what was set: 17-digit integers, empty arrays, nested objects, unicode', async () => {
    const id = newId();
    const data = {
      big: 2 ** 56, // 72057594037927936: Lua's cjson would round it to 14 digits
      negative: -(2 ** 60),
      safe: Number.MAX_SAFE_INTEGER,
      fraction: 0.1 + 0.2,
      empty: [], // cjson would turn it into {}
      emptyObject: {},
      nested: { a: { b: [1, { c: null, d: [] }], e: 'x' } },
      text: 'héllo 👋 \u202e',
      yes: true,
      nothing: null,
    };
    const written = record(data, { userAgent: 'jest' });
    await store.set(id, written, TTL);
    const read = await store.get(id);
    expect(read).toEqual(written);
    expect(read!.data.big).toBe(72057594037927936);
    expect(Array.isArray(read!.data.empty)).toBe(true);
  });

  it('get of an unknown id resolves null', async () => {
    expect(await store.get(newId())).toBeNull();
  });

  it('keeps one string per session under <prefix>{<id>}: layout 2, owner, ix, compact meta, one entry per key', async () => {
    const id = newId();
    const m = meta({ userAgent: 'jest' });
    await store.set(id, { v: 1, meta: m, data: { a: 1, b: 'two' } }, TTL);
    expect(await client.type(sessionKey(id))).toBe('string');
    // createdAt, then deltas: lastActiveAt − createdAt, idle deadline − lastActiveAt, no absolute deadline.
    const compact = [m.createdAt, 0, TTL, null, TTL, 'jest'];
    expect(await client.get(sessionKey(id))).toBe(
      `2\x1e\x1e\x1e${JSON.stringify(compact)}\x1f"a"\x1e1\x1f"b"\x1e"two"`,
    );
    // Deadlines and times that are not whole milliseconds come back exactly too.
    const odd = meta({ lastActiveAt: m.createdAt + 0.25, absoluteExpiresAt: m.createdAt + 5_000, idleExpiresAt: 0 });
    await store.set(id, { v: 1, meta: odd, data: {} }, TTL);
    expect((await store.get(id))!.meta).toEqual(odd);
    const absolute = meta({ absoluteExpiresAt: m.createdAt + 5_000 });
    await store.set(id, { v: 1, meta: absolute, data: {} }, TTL);
    expect((await store.get(id))!.meta).toEqual(absolute);
    await store.set(id, record({ userId: 'ann' }, { owner: 'ann' }), TTL);
    const parts = v2Parts((await client.get(sessionKey(id)))!);
    expect(parts.owner).toBe('"ann"');
    expect(Number(parts.ix)).toBeGreaterThanOrEqual(Date.now() + TTL);
    expect(parts.data).toEqual({ userId: '"ann"' });
  });

  it('one command per read and per write on a single node: GET, SET NX, or one EVALSHA', async () => {
    const { client: spy, commands } = recording(client);
    const counted = new RedisStore({ client: spy, prefix });
    const [anon, owned] = [newId(), newId()];
    const count = async (op: () => Promise<unknown>): Promise<string[]> => {
      commands.length = 0;
      await op();
      return [...commands];
    };
    // Each script's first run on a server that has not seen it yet costs a NOSCRIPT and an EVAL:
    // run every operation once beforehand (test files share the server, in any order).
    const [warmAnon, warmOwned] = [newId(), newId()];
    await store.create(warmAnon, record({ a: 1 }), TTL);
    await store.create(warmOwned, record({ userId: 'warm' }, { owner: 'warm' }), TTL);
    await store.patch(warmOwned, { set: { n: 1 }, unset: [], meta: meta({ owner: 'warm' }) }, TTL);
    await store.touch(warmOwned, record({}, { owner: 'warm' }), TTL);
    await store.patch(warmAnon, { set: { b: 2 }, unset: ['a'], meta: meta() }, TTL);
    expect(await count(() => counted.create(anon, record({ a: 1 }), TTL))).toEqual(['set']);
    expect(await count(() => counted.create(owned, record({ userId: 'one' }, { owner: 'one' }), TTL))).toEqual([
      'evalsha',
    ]);
    expect(await count(() => counted.get(owned))).toEqual(['get']);
    const patch = { set: { n: 1 }, unset: [], meta: meta({ owner: 'one' }) };
    expect(await count(() => counted.patch(owned, patch, TTL))).toEqual(['evalsha']);
    expect(await count(() => counted.touch(owned, record({}, { owner: 'one' }), TTL))).toEqual(['evalsha']);
    expect(await count(() => counted.patch(anon, { set: { b: 2 }, unset: ['a'], meta: meta() }, TTL))).toEqual([
      'evalsha',
    ]);
    // …and the index was kept by those same commands.
    expect((await store.listByOwner('one')).map((s) => s.id)).toEqual([owned]);
    expect((await store.get(anon))!.data).toEqual({ b: 2 });
  });

  it('set replaces the whole record: keys no longer in the data are gone', async () => {
    const id = newId();
    await store.set(id, record({ a: 1, b: 2 }), TTL);
    await store.set(id, record({ c: 3 }), TTL);
    expect((await store.get(id))!.data).toEqual({ c: 3 });
  });
});

describe('RedisStore create, patch and touch', () => {
  it('create writes only when absent (NX): a second create resolves false and leaves the first untouched', async () => {
    const id = newId();
    const first = record({ who: 'first' });
    expect(await store.create(id, first, TTL)).toBe(true);
    expect(await store.create(id, record({ who: 'second', extra: 1 }), 1_000)).toBe(false);
    expect(await store.get(id)).toEqual(first);
    // The loser's shorter TTL was not applied either.
    expect(await client.pttl(sessionKey(id))).toBeGreaterThan(1_000);
  });

  it('patch of an absent session (XX) resolves false and creates nothing, not even an owner index', async () => {
    const id = newId();
    const ok = await store.patch(id, { set: { a: 1 }, unset: [], meta: meta({ owner: 'ghost' }) }, TTL);
    expect(ok).toBe(false);
    expect(await client.exists(sessionKey(id))).toBe(0);
    expect(await client.exists(ownerKeyOf(prefix, 'ghost'))).toBe(0);
  });

  it('patch sets and unsets only the named keys, and replaces the meta', async () => {
    const id = newId();
    await store.set(id, record({ a: 1, b: 2, c: 3 }), TTL);
    const next = meta({ lastActiveAt: Date.now() + 5 });
    expect(await store.patch(id, { set: { b: 20, d: [] }, unset: ['c'], meta: next }, TTL)).toBe(true);
    const read = await store.get(id);
    expect(read!.data).toEqual({ a: 1, b: 20, d: [] });
    expect(read!.meta).toEqual(next);
  });

  it('two patches of different keys both persist', async () => {
    const id = newId();
    await store.set(id, record({}), TTL);
    await Promise.all([
      store.patch(id, { set: { x: 1 }, unset: [], meta: meta() }, TTL),
      store.patch(id, { set: { y: 2 }, unset: [], meta: meta() }, TTL),
    ]);
    expect((await store.get(id))!.data).toEqual({ x: 1, y: 2 });
  });

  it('touch changes meta and expiry only, never data written meanwhile', async () => {
    const id = newId();
    const loaded = record({ a: 1 });
    await store.set(id, loaded, 5_000);
    // Another request writes while this one still holds its older copy.
    await store.patch(id, { set: { b: 2 }, unset: ['a'], meta: loaded.meta }, 5_000);
    const touchedMeta = meta({ lastActiveAt: Date.now() + 10 });
    await store.touch(id, { ...loaded, meta: touchedMeta }, TTL);
    const read = await store.get(id);
    expect(read!.data).toEqual({ b: 2 });
    expect(read!.meta).toEqual(touchedMeta);
    expect(await client.pttl(sessionKey(id))).toBeGreaterThan(5_000);
  });

  it('touch of an absent session creates nothing', async () => {
    const id = newId();
    await store.touch(id, record({ a: 1 }), TTL);
    expect(await client.exists(sessionKey(id))).toBe(0);
  });
});

describe('RedisStore expiry (#47, #48)', () => {
  const within = async (id: string, ttl: number) => {
    const pttl = await client.pttl(sessionKey(id));
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(ttl);
  };

  it('#47 every write leaves 0 < PTTL <= ttl: set, create, patch, touch', async () => {
    const a = newId();
    await store.set(a, record({}), 30_000);
    await within(a, 30_000);
    const b = newId();
    await store.create(b, record({}), 20_000);
    await within(b, 20_000);
    await client.pexpire(b, 100);
    await store.patch(b, { set: { k: 1 }, unset: [], meta: meta() }, 40_000);
    await within(b, 40_000);
    expect(await client.pttl(sessionKey(b))).toBeGreaterThan(30_000);
    await store.touch(b, record({}), 10_000);
    await within(b, 10_000);
  });

  it('ttl 0 means no expiry: PTTL -1 after set, create, patch and touch', async () => {
    const id = newId();
    expect(await store.create(id, record({}, { idleExpiresAt: 0, maxAge: 0 }), 0)).toBe(true);
    expect(await client.pttl(sessionKey(id))).toBe(-1);
    await store.set(id, record({}), TTL);
    await store.patch(id, { set: { a: 1 }, unset: [], meta: meta() }, 0);
    expect(await client.pttl(sessionKey(id))).toBe(-1);
    await store.set(id, record({}), TTL);
    await store.touch(id, record({}), 0);
    expect(await client.pttl(sessionKey(id))).toBe(-1);
    await store.set(id, record({}), 0);
    expect(await client.pttl(sessionKey(id))).toBe(-1);
  });

  it('#48 a negative TTL deletes instead of writing (set, patch, touch), and create writes nothing', async () => {
    for (const write of [
      (id: string) => store.set(id, record({}), -1),
      (id: string) => store.patch(id, { set: { a: 1 }, unset: [], meta: meta() }, -1),
      (id: string) => store.touch(id, record({}), -1),
    ]) {
      const id = newId();
      await store.set(id, record({ userId: 'neg' }, { owner: 'neg' }), TTL);
      await write(id);
      expect(await client.exists(sessionKey(id))).toBe(0);
      expect(await client.zscore(ownerKeyOf(prefix, 'neg'), id)).toBeNull();
    }
    const fresh = newId();
    expect(await store.create(fresh, record({}), -1)).toBe(false);
    expect(await client.exists(sessionKey(fresh))).toBe(0);
  });
});

describe('RedisStore owner index', () => {
  const owner = () => `user-${randomBytes(4).toString('hex')}`;

  it('lists an owner’s live sessions, and only theirs', async () => {
    const ann = owner();
    const bob = owner();
    const [a1, a2, b1] = [newId(), newId(), newId()];
    await store.set(a1, record({ userId: ann }, { owner: ann }), TTL);
    expect(await store.create(a2, record({ userId: ann }, { owner: ann }), TTL)).toBe(true);
    await store.set(b1, record({ userId: bob }, { owner: bob }), TTL);
    const listed = await store.listByOwner(ann);
    expect(listed.map((s) => s.id).sort()).toEqual([a1, a2].sort());
    expect(listed.every((s) => s.record.meta.owner === ann)).toBe(true);
    expect((await store.listByOwner(bob)).map((s) => s.id)).toEqual([b1]);
    expect(await store.listByOwner(owner())).toEqual([]);
  });

  it('an owner change moves the id between indexes; removing the owner takes it out', async () => {
    const ann = owner();
    const bob = owner();
    const id = newId();
    await store.set(id, record({ userId: ann }, { owner: ann }), TTL);
    await store.patch(id, { set: { userId: bob }, unset: [], meta: meta({ owner: bob }) }, TTL);
    expect(await client.zscore(ownerKeyOf(prefix, ann), id)).toBeNull();
    expect(await client.zscore(ownerKeyOf(prefix, bob), id)).not.toBeNull();
    expect(await store.listByOwner(ann)).toEqual([]);
    expect((await store.listByOwner(bob)).map((s) => s.id)).toEqual([id]);

    await store.patch(id, { set: {}, unset: ['userId'], meta: meta() }, TTL);
    expect(await client.zscore(ownerKeyOf(prefix, bob), id)).toBeNull();
    expect((await store.get(id))!.meta.owner).toBeUndefined();
  });

  it('destroy removes the session and its id from the index', async () => {
    const ann = owner();
    const id = newId();
    await store.set(id, record({ userId: ann }, { owner: ann }), TTL);
    await store.destroy(id);
    expect(await client.exists(sessionKey(id))).toBe(0);
    expect(await client.zscore(ownerKeyOf(prefix, ann), id)).toBeNull();
    await expect(store.destroy(id)).resolves.toBeUndefined(); // absent: not an error
  });

  it('the index key carries a TTL at least as long as its sessions', async () => {
    const ann = owner();
    const id = newId();
    await store.set(id, record({ userId: ann }, { owner: ann }), 10_000);
    const indexKey = ownerKeyOf(prefix, ann);
    expect(await client.pttl(indexKey)).toBeGreaterThanOrEqual(await client.pttl(sessionKey(id)));
    // A touch that extends the session far past the index's life extends the index too.
    await store.touch(id, record({}, { owner: ann }), 100_000);
    const sessionPttl = await client.pttl(sessionKey(id));
    expect(sessionPttl).toBeGreaterThan(10_000);
    expect(await client.pttl(indexKey)).toBeGreaterThanOrEqual(sessionPttl);
    // A session without expiry makes the index permanent.
    const forever = newId();
    await store.set(forever, record({ userId: ann }, { owner: ann, idleExpiresAt: 0, maxAge: 0 }), 0);
    expect(await client.pttl(indexKey)).toBe(-1);
  });

  it('#85 prunes ids of sessions that are gone when listing', async () => {
    const ann = owner();
    const [live, expired] = [newId(), newId()];
    await store.set(live, record({ userId: ann }, { owner: ann }), TTL);
    await store.set(expired, record({ userId: ann }, { owner: ann }), TTL);
    await client.del(sessionKey(expired)); // as Redis does when the TTL runs out: the index is not told
    const indexKey = ownerKeyOf(prefix, ann);
    expect(await client.zcard(indexKey)).toBe(2);
    expect((await store.listByOwner(ann)).map((s) => s.id)).toEqual([live]);
    expect(await client.zrange(indexKey, '0', '-1')).toEqual([live]);
  });
});

describe('RedisStore and foreign or hostile values in Redis (#61, #63, #65, #87)', () => {
  const rawMeta = () => JSON.stringify(meta());

  it('a string under the session key (WRONGTYPE) reads as no session; all() skips it', async () => {
    const id = newId();
    await client.set(sessionKey(id), 'not a hash', 'PX', TTL);
    expect(await store.get(id)).toBeNull();
    expect((await store.all()).some((s) => s.id === id)).toBe(false);
  });

  it('a 5 MB value written straight into the hash reads as no session, without throwing', async () => {
    const id = newId();
    const huge = JSON.stringify('x'.repeat(5 * 1024 * 1024));
    await client.hset(sessionKey(id), 'v', '1', 'm', rawMeta(), 'd:big', huge);
    await client.pexpire(sessionKey(id), TTL);
    await expect(store.get(id)).resolves.toBeNull();
  });

  it('a wrong format version, or none, reads as no session', async () => {
    const v2 = newId();
    await client.hset(sessionKey(v2), 'v', '2', 'm', rawMeta(), 'd:a', '1');
    expect(await store.get(v2)).toBeNull();
    const none = newId();
    await client.hset(sessionKey(none), 'm', rawMeta(), 'd:a', '1');
    expect(await store.get(none)).toBeNull();
    const badMeta = newId();
    await client.hset(sessionKey(badMeta), 'v', '1', 'm', '{"createdAt":"yesterday"}', 'd:a', '1');
    expect(await store.get(badMeta)).toBeNull();
    const truncated = newId();
    await client.hset(sessionKey(truncated), 'v', '1', 'm', rawMeta(), 'd:a', '{"b":');
    expect(await store.get(truncated)).toBeNull();
  });

  const poisoned = async (): Promise<string> => {
    const id = newId();
    const m = JSON.stringify(meta()).replace(/}$/, ',"__proto__":{"isAdmin":true}}');
    await client.hset(
      sessionKey(id),
      'v',
      '1',
      'm',
      m,
      'd:__proto__',
      '{"polluted":1,"isAdmin":true}',
      'd:nested',
      '{"__proto__":{"polluted":1},"keep":1}',
      'd:ctor',
      '{"constructor":{"prototype":{"polluted":1}}}',
      'd:constructor',
      '{"prototype":{"polluted":1}}',
      'd:prototype',
      '{"polluted":1}',
      'd:ok',
      '"fine"',
    );
    await client.pexpire(sessionKey(id), TTL);
    return id;
  };

  const expectClean = (read: SessionRecord | null) => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(read).not.toBeNull();
    const data = read!.data;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data).sort()).toEqual(['ctor', 'nested', 'ok']);
    expect(data.ok).toBe('fine');
    expect(data.nested).toEqual({ keep: 1 });
    expect(Object.getPrototypeOf(data.nested)).toBe(Object.prototype);
    expect(data.ctor).toEqual({});
    expect(data.isAdmin).toBeUndefined();
    expect(data.polluted).toBeUndefined();
    expect((data.nested as Record<string, unknown>).polluted).toBeUndefined();
    expect((read!.meta as unknown as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(Object.getPrototypeOf(read!.meta)).toBe(Object.prototype);
  };

  it('prototype poisoning written straight into Redis pollutes nothing and leaves no inherited keys', async () => {
    expectClean(await store.get(await poisoned()));
  });

  it('…also through a custom serializer', async () => {
    const viaSerializer = new RedisStore({
      client,
      prefix,
      serializer: { stringify: (v) => JSON.stringify(v), parse: (t) => JSON.parse(t) as unknown },
    });
    expectClean(await viaSerializer.get(await poisoned()));
  });
});

describe('RedisStore listings: all, length, clear (#84)', () => {
  it('all/length/clear use SCAN and touch only this prefix, not a longer prefix starting with it', async () => {
    const mine = `${base}list:`;
    // Another app whose prefix happens to start with ours, and one beside it.
    const nested = new RedisStore({ client, prefix: `${mine}admin:` });
    const beside = new RedisStore({ client, prefix: `${base}other:` });
    const { client: spy, commands } = recording(client);
    const listing = new RedisStore({ client: spy, prefix: mine });

    const ids = [newId(), newId(), newId()];
    for (const id of ids) await listing.set(id, record({ userId: 'lister', id }, { owner: 'lister' }), TTL);
    const nestedId = newId();
    await nested.set(nestedId, record({ userId: 'lister' }, { owner: 'lister' }), TTL);
    const besideId = newId();
    await beside.set(besideId, record({ n: 1 }), TTL);

    expect(await listing.length()).toBe(3);
    const all = await listing.all();
    expect(all.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(all.find((s) => s.id === ids[0])!.record.data).toEqual({ userId: 'lister', id: ids[0] });

    await listing.clear();
    expect(await listing.length()).toBe(0);
    expect(await client.exists(ownerKeyOf(mine, 'lister'))).toBe(0);
    // The other stores' sessions and indexes survive.
    expect(await nested.get(nestedId)).not.toBeNull();
    expect((await nested.listByOwner('lister')).map((s) => s.id)).toEqual([nestedId]);
    expect(await beside.get(besideId)).not.toBeNull();
    expect(await nested.length()).toBe(1);

    expect(commands).toContain('scan');
    expect(commands).not.toContain('keys');
  });

  it('works on a client created with ioredis keyPrefix: get, set, length, all, clear', async () => {
    const keyPrefix = `${base}kp:`;
    const prefixed = await connectRedis(REDIS_URL, { keyPrefix });
    try {
      const viaPrefix = new RedisStore({ client: prefixed, prefix: 'sess:' });
      const [a, b] = [newId(), newId()];
      await viaPrefix.set(a, record({ n: 1 }), TTL);
      expect(await viaPrefix.create(b, record({ n: 2 }, { owner: 'kp-user' }), TTL)).toBe(true);
      // ioredis put its prefix in front of ours.
      expect(await client.exists(`${keyPrefix}sess:{${a}}`)).toBe(1);
      expect(await client.exists(ownerKeyOf(`${keyPrefix}sess:`, 'kp-user'))).toBe(1);
      // Unrelated keys of the same connection survive clear().
      await prefixed.set('unrelated', '1', 'PX', TTL);

      expect((await viaPrefix.get(a))!.data).toEqual({ n: 1 });
      expect(await viaPrefix.length()).toBe(2);
      expect((await viaPrefix.all()).map((s) => s.id).sort()).toEqual([a, b].sort());
      expect((await viaPrefix.listByOwner('kp-user')).map((s) => s.id)).toEqual([b]);
      await viaPrefix.clear();
      expect(await viaPrefix.length()).toBe(0);
      expect(await client.exists(`${keyPrefix}sess:{${a}}`)).toBe(0);
      expect(await client.get(`${keyPrefix}unrelated`)).toBe('1');
    } finally {
      await prefixed.quit();
    }
  });
});

describe('RedisStore options', () => {
  it('round-trips through a custom serializer, which is what ends up in Redis', async () => {
    const base64: RedisSerializer = {
      stringify: (value) => `b64:${Buffer.from(JSON.stringify(value)).toString('base64')}`,
      parse: (text) => JSON.parse(Buffer.from(text.slice(4), 'base64').toString()) as unknown,
    };
    const custom = new RedisStore({ client, prefix: `${base}serializer:`, serializer: base64 });
    const id = newId();
    const written = record({ big: 2 ** 56, empty: [], nested: { a: { b: 'c' } } }, { owner: 'ser' });
    await custom.set(id, written, TTL);
    expect(await custom.get(id)).toEqual(written);
    const raw = v2Parts((await client.get(`${base}serializer:{${id}}`))!);
    expect(raw.data.nested).toMatch(/^b64:/);
    expect(raw.data.big).toMatch(/^b64:/);
    await custom.patch(id, { set: { added: [1] }, unset: ['empty'], meta: written.meta }, TTL);
    await custom.touch(id, written, TTL);
    expect((await custom.get(id))!.data).toEqual({ big: 2 ** 56, nested: { a: { b: 'c' } }, added: [1] });
    expect((await custom.listByOwner('ser')).map((s) => s.id)).toEqual([id]);
  });

  it('refuses a missing client and a prefix with braces or spaces', () => {
    expect(() => new RedisStore(undefined as unknown as RedisStoreOptions)).toThrow(/"client"/);
    expect(() => new RedisStore({} as RedisStoreOptions)).toThrow(/"client"/);
    expect(() => new RedisStore({ client: {} as RedisClientLike })).toThrow(/"client"/);
    expect(() => new RedisStore({ client, prefix: 'sess{a}:' })).toThrow(/"prefix"/);
    expect(() => new RedisStore({ client, prefix: 'sess}' })).toThrow(/"prefix"/);
    expect(() => new RedisStore({ client, prefix: 'my sess:' })).toThrow(/"prefix"/);
  });

  it('recommendedRedisOptions bound every command: commandTimeout <= 1 s, retries and connect timeout set', () => {
    expect(recommendedRedisOptions.commandTimeout).toBeGreaterThan(0);
    expect(recommendedRedisOptions.commandTimeout).toBeLessThanOrEqual(1_000);
    expect(typeof recommendedRedisOptions.maxRetriesPerRequest).toBe('number');
    expect(recommendedRedisOptions.maxRetriesPerRequest).toBeGreaterThanOrEqual(0);
    expect(recommendedRedisOptions.connectTimeout).toBeGreaterThan(0);
  });
});

describe('RedisStore on a disconnected client (#83)', () => {
  /** Every store call, each expected to reject within 100 ms. */
  const calls = (s: RedisStore): Array<[string, () => Promise<unknown>]> => {
    const id = newId();
    return [
      ['get', () => s.get(id)],
      ['set', () => s.set(id, record({}), TTL)],
      ['create', () => s.create(id, record({}), TTL)],
      ['patch', () => s.patch(id, { set: { a: 1 }, unset: [], meta: meta() }, TTL)],
      ['touch', () => s.touch(id, record({}), TTL)],
      ['destroy', () => s.destroy(id)],
      ['all', () => s.all()],
      ['length', () => s.length()],
      ['clear', () => s.clear()],
      ['listByOwner', () => s.listByOwner('someone')],
    ];
  };

  const expectFastFailures = async (s: RedisStore, status: string) => {
    for (const [name, call] of calls(s)) {
      const started = performance.now();
      await expect(call()).rejects.toThrow(new RegExp(`Redis connection is ${status}`));
      const elapsed = performance.now() - started;
      if (elapsed >= 100) throw new Error(`${name}() took ${Math.round(elapsed)} ms to fail`);
    }
  };

  it("fails at once while ioredis is 'reconnecting', instead of queueing the command", async () => {
    // Nothing listens on this port: every connection attempt is refused.
    const port = await freePort();
    const down = new IORedis({
      host: '127.0.0.1',
      port,
      ...recommendedRedisOptions,
      lazyConnect: true,
      retryStrategy: () => 2_000,
      // ioredis's disconnect() of an already closed socket waits disconnectTimeout for a 'close' that
      // has been and gone: keep it short so jest exits at once.
      disconnectTimeout: 100,
    });
    const errors: Error[] = [];
    down.on('error', (error: Error) => errors.push(error));
    try {
      const s = new RedisStore({ client: down, prefix });
      down.connect().catch(() => undefined);
      await waitFor('the client to be reconnecting', async () => down.status === 'reconnecting', 5_000);
      await expectFastFailures(s, 'reconnecting');
      expect(errors.length).toBeGreaterThan(0); // the refusals were reported as events, not thrown
    } finally {
      down.disconnect();
    }
  });

  it("fails at once once the client has ended ('end')", async () => {
    const ended = await connectRedis();
    const s = new RedisStore({ client: ended, prefix });
    ended.disconnect();
    await waitFor('the client to end', async () => ended.status === 'end', 5_000);
    await expectFastFailures(s, 'end');
  });
});

describe('RedisStore: the data text it hands the load (known-json.ts)', () => {
  it('is the data read, also after patches that append keys after integer-like ones', async () => {
    const id = newId();
    await store.set(id, record({ b: 1, 10: 'x', nested: { q: 'é"🔑' } }), TTL);
    let read = (await store.get(id))!;
    expect(JSON.parse(dataTextOf(read.data)!)).toEqual(read.data);
    expect(dataTextOf(read.data)).toBeUndefined(); // used up
    // Appended after "10": the text's order is not JSON.stringify's, its values are the data's.
    await store.patch(id, { set: { 2: [true], b: 'changed' }, unset: ['nested'], meta: meta() }, TTL);
    read = (await store.get(id))!;
    const text = dataTextOf(read.data)!;
    expect(read.data).toEqual({ 2: [true], 10: 'x', b: 'changed' });
    expect(JSON.parse(text)).toEqual(read.data);
  });

  it('gives no text when keys that reach a prototype were dropped while parsing', async () => {
    const id = newId();
    await store.set(id, record(JSON.parse('{"x":{"__proto__":{"polluted":1}},"y":1}') as Record<string, unknown>), TTL);
    const read = (await store.get(id))!;
    expect(dataTextOf(read.data)).toBeUndefined();
  });
});
