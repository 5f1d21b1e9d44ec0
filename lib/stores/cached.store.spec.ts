import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import { connectRedis, deleteByPrefix, uniquePrefix } from '../../test/support/redis.js';
import { waitUntil } from '../../test/support/variants.js';
import { CachedStore } from './cached.store.js';
import { MemoryStore } from './memory.store.js';
import { RedisStore } from './redis.store.js';
import type { SessionRecord } from './session-record.js';

const record = (data: Record<string, unknown> = {}, idleExpiresAt = 0): SessionRecord => ({
  v: 1,
  meta: { createdAt: Date.now(), lastActiveAt: Date.now(), idleExpiresAt, absoluteExpiresAt: 0, maxAge: 0 },
  data,
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('CachedStore', () => {
  const closers: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    while (closers.length > 0) await closers.pop()!();
  });

  function local(inner = new MemoryStore(), options: Partial<ConstructorParameters<typeof CachedStore>[1]> = {}) {
    const store = new CachedStore(inner, { maxSize: 100, ttl: 60_000, ...options });
    closers.push(() => store.close());
    return { store, inner };
  }

  it('serves a second read from memory, each reader getting its own copy (#55)', async () => {
    const { store, inner } = local();
    await inner.set('s1', record({ cart: ['apple'] }), 0);
    const get = jest.spyOn(inner, 'get');
    const first = (await store.get('s1'))!;
    (first.data.cart as string[]).push('mutated but not saved');
    const second = (await store.get('s1'))!;
    expect(second.data.cart).toEqual(['apple']);
    expect(get).toHaveBeenCalledTimes(1);
    expect(store.stats()).toMatchObject({ hits: 1, misses: 1, size: 1 });
  });

  it('100 concurrent loads of one uncached id make exactly one inner get', async () => {
    const { store, inner } = local();
    await inner.set('hot', record({ n: 1 }), 0);
    const get = jest.spyOn(inner, 'get');
    const results = await Promise.all(Array.from({ length: 100 }, () => store.get('hot')));
    expect(get).toHaveBeenCalledTimes(1);
    expect(results.every((r) => r?.data.n === 1)).toBe(true);
    // Distinct objects: no reader can change what another sees.
    expect(new Set(results).size).toBe(100);
  });

  it('with maxSize 1 000, 100 000 sessions never put more than 1 000 entries in memory (#86)', async () => {
    const { store } = local(new MemoryStore({ reapInterval: 0 }), { maxSize: 1_000 });
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      await store.set(`id${i}`, record({ i }), 60_000);
      if (i % 7 === 0) await store.get(`id${i - 3}`);
      largest = Math.max(largest, store.stats().size);
    }
    expect(largest).toBe(1_000);
    // Hits still work: the most recent sessions are served from memory.
    const hits = store.stats().hits;
    expect((await store.get('id99999'))?.data.i).toBe(99_999);
    expect(store.stats().hits).toBe(hits + 1);
  });

  it('never serves a copy past the session’s own idle deadline, nor past ttl (#73)', async () => {
    const { store, inner } = local(new MemoryStore(), { ttl: 150 });
    await store.set('idle', record({ a: 1 }, Date.now() + 80), 0);
    await store.set('ttl', record({ b: 1 }), 0);
    const get = jest.spyOn(inner, 'get');
    await store.get('idle');
    await store.get('ttl');
    expect(get).toHaveBeenCalledTimes(0);
    await sleep(100);
    await store.get('idle'); // past its idle deadline: reloaded
    await store.get('ttl');
    expect(get).toHaveBeenCalledTimes(1);
    await sleep(80);
    await store.get('ttl'); // past ttl: reloaded
    expect(get).toHaveBeenCalledTimes(2);
  });

  it('keeps every concurrent patch of one session (overlapping writes are not cached half-known)', async () => {
    const { store } = local();
    await store.set('p', record(), 60_000);
    await store.get('p');
    const base = record().meta;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => store.patch('p', { set: { [`k${i}`]: i }, unset: [], meta: base }, 60_000)),
    );
    const data = (await store.get('p'))!.data;
    expect(Object.keys(data).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `k${i}`).sort());
  });

  it('clearInterval empties the local cache periodically', async () => {
    const { store } = local(new MemoryStore(), { clearInterval: 50 });
    await store.set('c', record(), 0);
    expect(store.stats().size).toBe(1);
    await sleep(120);
    expect(store.stats().size).toBe(0);
  });

  it.each([
    ['maxSize', { maxSize: 0 }],
    ['ttl', { ttl: -1 }],
    ['clearInterval', { clearInterval: 1.5 }],
  ])('rejects a bad %s with a message naming it', (name, bad) => {
    expect(() => new CachedStore(new MemoryStore(), { maxSize: 10, ttl: 10, ...bad })).toThrow(`"${name}"`);
  });

  describe('with a subscriber (real Redis)', () => {
    let client: Redis;
    const prefix = uniquePrefix('cached-spec');
    beforeAll(async () => {
      client = await connectRedis();
    });
    afterAll(async () => {
      await deleteByPrefix(client, prefix);
      await client.quit();
    });

    async function node(instanceId?: string) {
      const subscriber = await connectRedis();
      const inner = new RedisStore({ client, prefix });
      const store = new CachedStore(inner, { maxSize: 100, ttl: 60_000, subscriber, instanceId });
      closers.push(async () => {
        await store.close();
        await subscriber.quit();
      });
      await waitUntil(() => store.isCaching);
      return { store, inner, subscriber };
    }

    it('a write in one process drops the copy in the other, not in itself', async () => {
      const a = await node();
      const b = await node();
      await a.store.set('x', record({ v: 1 }), 60_000);
      expect((await b.store.get('x'))!.data.v).toBe(1);
      const bGet = jest.spyOn(b.inner, 'get');
      const aGet = jest.spyOn(a.inner, 'get');
      await a.store.patch('x', { set: { v: 2 }, unset: [], meta: record().meta }, 60_000);
      await waitUntil(() => b.store.stats().size === 0);
      expect((await b.store.get('x'))!.data.v).toBe(2);
      expect((await a.store.get('x'))!.data.v).toBe(2);
      expect(bGet).toHaveBeenCalledTimes(1);
      expect(aGet).toHaveBeenCalledTimes(0); // its own write: a patched copy is served
    });

    it('an invalidation that arrives while a load is in flight wins over the load’s result (#70)', async () => {
      const a = await node();
      const b = await node();
      await a.store.set('race', record({ v: 'old' }), 60_000);
      // B's load is held until A has written and B has heard about it.
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const realGet = b.inner.get.bind(b.inner);
      jest.spyOn(b.inner, 'get').mockImplementationOnce(async (id) => {
        const stale = await realGet(id);
        await gate;
        return stale;
      });
      const loading = b.store.get('race');
      await a.store.patch('race', { set: { v: 'new' }, unset: [], meta: record().meta }, 60_000);
      await waitUntil(() => b.store.stats().invalidations > 0);
      release();
      expect((await loading)!.data.v).toBe('old'); // that reader started before the write
      expect((await b.store.get('race'))!.data.v).toBe('new'); // but it was not cached
    });

    it('ignores its own, foreign-channel and malformed messages without crashing (#75)', async () => {
      const a = await node('proc-a');
      await a.store.set('m', record({ v: 1 }), 60_000);
      await a.store.get('m');
      const channel = `${prefix}invalidate`;
      for (const message of ['', 'no-space', ' lead', 'proc-a m', 'x'.repeat(10_000), '\u0000 \u0000']) {
        await client.publish(channel, message);
      }
      await client.publish('another-app:invalidate', 'proc-b m');
      await sleep(50);
      expect(a.store.stats().size).toBe(1);
      await client.publish(channel, 'proc-b m');
      await waitUntil(() => a.store.stats().size === 0);
    });

    it('publishes only after the inner write succeeded', async () => {
      const a = await node();
      const publish = jest.spyOn(client, 'call');
      jest.spyOn(a.inner, 'destroy').mockRejectedValueOnce(new Error('down'));
      await expect(a.store.destroy('nope')).rejects.toThrow('down');
      expect(publish.mock.calls.some(([command]) => command === 'publish')).toBe(false);
      await a.store.destroy('nope');
      expect(publish.mock.calls.some(([command]) => command === 'publish')).toBe(true);
      publish.mockRestore();
    });
  });
});
