import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connectRedis, deleteByPrefix, uniquePrefix } from '../../test/support/redis.js';
import { v2Parts, writeV1Session } from '../../test/support/redis-layouts.js';
import { RedisStore } from './redis.store.js';
import type { SessionMeta, SessionRecord } from './session-record.js';

/**
 * The Redis layout across releases: sessions that nest-sessions 0.1 wrote
 * (v1, one hash each) are read by this release, and each is rewritten as v2
 * (one string) by its next write, atomically; texts that are not a valid v2
 * session read as no session.
 */

const TTL = 60_000;
const newId = (): string => randomBytes(32).toString('base64url');

/** test/fixtures/record-v1.json with deadlines moved to now, so the session is live. */
function fixture(): SessionRecord {
  const raw = JSON.parse(
    readFileSync(new URL('../../test/fixtures/record-v1.json', import.meta.url), 'utf8'),
  ) as SessionRecord;
  const now = Date.now();
  return { ...raw, meta: { ...raw.meta, createdAt: now, lastActiveAt: now, idleExpiresAt: now + TTL } };
}

let client: Redis;
let prefix: string;
let store: RedisStore;
const key = (id: string): string => `${prefix}{${id}}`;
const indexKey = (owner: string): string =>
  `${prefix}owner:{${createHash('sha256').update(owner).digest('base64url')}}`;

beforeAll(async () => {
  client = await connectRedis();
  prefix = uniquePrefix('redis-layout-spec');
  store = new RedisStore({ client, prefix });
});

afterAll(async () => {
  await deleteByPrefix(client, prefix);
  await client.quit();
});

describe('sessions of the v1 layout (0.1: one hash per session)', () => {
  it('are read as they are: the fixture written as 0.1 did comes back whole, and is listed by owner', async () => {
    const id = newId();
    const written = fixture();
    await writeV1Session(client, prefix, id, written, TTL);
    expect(await client.type(key(id))).toBe('hash');
    expect(await store.get(id)).toEqual(written);
    expect((await store.listByOwner('42')).map((s) => s.id)).toEqual([id]);
    expect((await store.all()).some((s) => s.id === id)).toBe(true);
  });

  it('a patch rewrites one as v2 with only the change applied, the TTL and the owner index kept', async () => {
    const id = newId();
    const written = fixture();
    await writeV1Session(client, prefix, id, written, TTL);
    const next: SessionMeta = { ...written.meta, lastActiveAt: Date.now() + 1 };
    expect(await store.patch(id, { set: { theme: 'light' }, unset: ['cart'], meta: next }, TTL)).toBe(true);
    expect(await client.type(key(id))).toBe('string');
    expect(v2Parts((await client.get(key(id)))!).owner).toBe('"42"');
    expect(await store.get(id)).toEqual({ v: 1, meta: next, data: { userId: '42', theme: 'light' } });
    expect(await client.pttl(key(id))).toBeGreaterThan(TTL - 5_000);
    expect((await store.listByOwner('42')).some((s) => s.id === id)).toBe(true);
  });

  it('two concurrent patches of different keys of one v1 session both persist', async () => {
    const id = newId();
    const written = fixture();
    await writeV1Session(client, prefix, id, written, TTL);
    await Promise.all([
      store.patch(id, { set: { x: 1 }, unset: [], meta: written.meta }, TTL),
      store.patch(id, { set: { y: 2 }, unset: [], meta: written.meta }, TTL),
    ]);
    expect((await store.get(id))!.data).toEqual({ ...written.data, x: 1, y: 2 });
  });

  it('touch keeps its data; destroy removes it and its index entry; a create never overwrites it', async () => {
    const id = newId();
    const written = fixture();
    await writeV1Session(client, prefix, id, written, 5_000);
    await store.touch(id, written, TTL);
    expect((await store.get(id))!.data).toEqual(written.data);
    expect(await client.pttl(key(id))).toBeGreaterThan(5_000);
    const other = newId();
    await writeV1Session(client, prefix, other, written, TTL);
    expect(await store.create(other, { ...written, data: {} }, TTL)).toBe(false);
    expect((await store.get(other))!.data).toEqual(written.data);
    await store.destroy(other);
    expect(await client.exists(key(other))).toBe(0);
    expect(await client.zscore(indexKey('42'), other)).toBeNull();
  });

  it('a hash that is not a valid v1 session reads, patches and touches as none; set overwrites it, destroy removes it', async () => {
    const id = newId();
    const { owner: _owner, ...rawMeta } = fixture().meta;
    await client.hset(key(id), 'v', '1', 'm', JSON.stringify(rawMeta), 'd:a', '"x\u001ey"');
    expect(await store.get(id)).toBeNull();
    expect(await store.patch(id, { set: { b: 1 }, unset: [], meta: fixture().meta }, TTL)).toBe(false);
    await store.touch(id, fixture(), TTL);
    expect(await client.type(key(id))).toBe('hash');
    // A set writes the whole record anyway; a destroy removes whatever is there.
    const written = fixture();
    await store.set(id, written, TTL);
    expect(await store.get(id)).toEqual(written);
    const other = newId();
    await client.sadd(key(other), 'x');
    await store.destroy(other);
    expect(await client.exists(key(other))).toBe(0);
  });
});

describe('texts that are not a v2 session', () => {
  const m = () => JSON.stringify([Date.now(), 0, TTL, null, TTL]);

  it.each([
    ['another version', () => `3\x1e\x1e\x1e${m()}\x1f"a"\x1e1`],
    ['a header cut short', () => `2\x1e\x1e`],
    ['a truncated value', () => `2\x1e\x1e\x1e${m()}\x1f"a"\x1e{"b":`],
    ['a meta of the wrong shape', () => `2\x1e\x1e\x1e["yesterday",1,2,3,4]\x1f"a"\x1e1`],
    ['a meta delta that is not a number', () => `2\x1e\x1e\x1e[${Date.now()},null,${TTL},null,${TTL}]\x1f"a"\x1e1`],
    ['an owner that is not a JSON string', () => `2\x1e42\x1e\x1e${m()}\x1f"a"\x1e1`],
    ['5 MB', () => `2\x1e\x1e\x1e${m()}\x1f"a"\x1e"${'x'.repeat(5 * 1024 * 1024)}"`],
    ['plain text', () => 'not a session'],
  ])('%s reads as no session, and a patch leaves it alone', async (_label, text) => {
    const id = newId();
    const value = text();
    await client.set(key(id), value, 'PX', TTL);
    await expect(store.get(id)).resolves.toBeNull();
    const patched = await store.patch(id, { set: { b: 1 }, unset: [], meta: fixture().meta }, TTL);
    // The Lua side rejects what it cannot frame; what it can (a bad meta) the read above refused.
    if (!patched) expect(await client.get(key(id))).toBe(value);
  });

  it('prototype keys in a v2 text pollute nothing', async () => {
    const id = newId();
    const text = `2\x1e\x1e\x1e${m()}\x1f"__proto__"\x1e{"isAdmin":true}\x1f"n"\x1e{"__proto__":{"polluted":1},"keep":1}`;
    await client.set(key(id), text, 'PX', TTL);
    const read = await store.get(id);
    expect(read!.data).toEqual({ n: { keep: 1 } });
    expect(Object.getPrototypeOf(read!.data)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('a serializer whose text holds a separator is refused on write, naming the key', async () => {
    const odd = new RedisStore({
      client,
      prefix,
      serializer: { stringify: (v) => `\u001f${JSON.stringify(v)}`, parse: (t) => JSON.parse(t.slice(1)) as unknown },
    });
    const id = newId();
    await expect(odd.set(id, { ...fixture(), data: { k: 1 } }, TTL)).rejects.toThrow(/"k".*U\+001E or U\+001F/);
    expect(await client.exists(key(id))).toBe(0);
  });
});
