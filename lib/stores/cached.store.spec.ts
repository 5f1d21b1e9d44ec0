import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Redis } from 'ioredis';
import { connectRedis, deleteByPrefix, uniquePrefix } from '../../test/support/redis.js';
import { waitUntil } from '../../test/support/variants.js';
import { CachedStore } from './cached.store.js';
import { dataTextOf } from './known-json.js';
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

  it('hands the load the data text of what it answers, a miss (from the inner store) and a hit alike', async () => {
    const { store, inner } = local();
    await inner.set('s1', record({ b: 1, 10: 'x', profile: { name: 'Ada "é"' } }), 0);
    const miss = (await store.get('s1'))!;
    expect(dataTextOf(miss.data)).toBe(JSON.stringify(miss.data));
    const hit = (await store.get('s1'))!;
    expect(store.stats().hits).toBe(1);
    const text = dataTextOf(hit.data);
    expect(text).toBe(JSON.stringify(hit.data));
    expect(JSON.parse(text!)).toEqual({ b: 1, 10: 'x', profile: { name: 'Ada "é"' } });
    // A text that may hold a key reaching a prototype goes through the checked decoder: no text.
    await inner.set('s2', record({ note: 'a "constructor" in a value is enough' }), 0);
    await store.get('s2');
    const checked = (await store.get('s2'))!;
    expect(dataTextOf(checked.data)).toBeUndefined();
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

  it('when full, evicts the least recently read: a session read since it was cached outlives older unread ones', async () => {
    const { store, inner } = local(new MemoryStore(), { maxSize: 3 });
    for (const id of ['a', 'b', 'c']) {
      await inner.set(id, record({ id }), 0);
      await store.get(id);
    }
    await store.get('a'); // a hit: 'b' is now the least recently read
    await inner.set('d', record({ id: 'd' }), 0);
    await store.get('d');
    const get = jest.spyOn(inner, 'get');
    for (const id of ['a', 'c', 'd']) expect((await store.get(id))?.data.id).toBe(id);
    expect(get).not.toHaveBeenCalled();
    expect((await store.get('b'))?.data.id).toBe('b');
    expect(get).toHaveBeenCalledTimes(1);
    expect(store.stats().size).toBe(3);
  });

  it('a cached copy of data holding a "__proto__" key reaches no prototype (#55)', async () => {
    const { store, inner } = local();
    const data = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1, "note": "a constructor"}') as Record<
      string,
      unknown
    >;
    await inner.set('p', record(data), 0);
    await store.get('p');
    const copy = (await store.get('p'))!;
    expect(store.stats().hits).toBe(1);
    expect(copy.data).toMatchObject({ ok: 1, note: 'a constructor' });
    expect(Object.prototype.hasOwnProperty.call(copy.data, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
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

  it.each([
    ['maxStaleness', { maxStaleness: 0 }],
    ['pingInterval', { pingInterval: 0 }],
    ['pingInterval', { maxStaleness: 100, pingInterval: 100 }],
  ])('rejects a bad %s with a message naming it', (name, bad) => {
    expect(() => new CachedStore(new MemoryStore(), { maxSize: 10, ttl: 10, ...bad })).toThrow(`"${name}"`);
  });

  it('a write drops the local copy before it starts, and an id whose write failed is not cached again', async () => {
    const { store, inner } = local();
    await inner.set('w', record({ v: 'old' }), 0);
    await store.get('w');
    expect(store.stats().size).toBe(1);
    // The write is applied, but its caller hears a failure (a timeout, say): its outcome is unknown here.
    jest.spyOn(inner, 'patch').mockImplementationOnce(async (id, changes, ttl) => {
      expect(store.stats().size).toBe(0); // dropped before the inner write began
      await MemoryStore.prototype.patch.call(inner, id, changes, ttl);
      throw new Error('timed out');
    });
    await expect(store.patch('w', { set: { v: 'new' }, unset: [], meta: record().meta }, 0)).rejects.toThrow();
    const get = jest.spyOn(inner, 'get');
    for (let i = 0; i < 3; i++) expect((await store.get('w'))!.data.v).toBe('new');
    expect(get).toHaveBeenCalledTimes(3); // read through each time, never cached while unsettled
    expect(store.stats().size).toBe(0);
  });

  describe('with a subscriber in front of a RedisStore (server-assisted, real Redis)', () => {
    let client: Redis;
    const prefix = uniquePrefix('cached-spec');
    beforeAll(async () => {
      client = await connectRedis();
      client.setMaxListeners(50); // each RedisStore made here listens for the shared client's errors
    });
    afterAll(async () => {
      await deleteByPrefix(client, prefix);
      await client.quit();
    });

    async function node(options: { maxStaleness?: number } = {}) {
      const subscriber = await connectRedis();
      const inner = new RedisStore({ client, prefix });
      const store = new CachedStore(inner, { maxSize: 100, ttl: 60_000, subscriber, ...options });
      closers.push(async () => {
        await store.close();
        await subscriber.quit();
      });
      await waitUntil(() => store.isCaching);
      return { store, inner, subscriber };
    }

    it('a write in one process drops the copy in every process; nothing is published', async () => {
      const a = await node();
      const b = await node();
      await a.store.set('x', record({ v: 1 }), 60_000);
      expect((await b.store.get('x'))!.data.v).toBe(1);
      expect((await b.store.get('x'))!.data.v).toBe(1);
      const bGet = jest.spyOn(b.inner, 'get');
      const calls = jest.spyOn(client, 'call');
      await a.store.patch('x', { set: { v: 2 }, unset: [], meta: record().meta }, 60_000);
      await waitUntil(() => b.store.stats().size === 0);
      expect((await b.store.get('x'))!.data.v).toBe(2);
      expect((await a.store.get('x'))!.data.v).toBe(2);
      expect((await b.store.get('x'))!.data.v).toBe(2);
      expect(bGet).toHaveBeenCalledTimes(1);
      expect(calls.mock.calls.some(([command]) => /publish/i.test(command))).toBe(false);
    });

    it('after its own write, the writer’s next load is cached: Redis’s report of that write is not taken for news', async () => {
      const a = await node();
      await a.store.set('echo', record({ v: 0 }), 60_000);
      for (let i = 1; i <= 20; i++) {
        await a.store.patch('echo', { set: { v: i }, unset: [], meta: record().meta }, 60_000);
        expect((await a.store.get('echo'))!.data.v).toBe(i); // a miss: loads what it just wrote
        await sleep(5); // Redis's report of the write arrives meanwhile
        const hits = a.store.stats().hits;
        expect((await a.store.get('echo'))!.data.v).toBe(i);
        expect(a.store.stats().hits).toBe(hits + 1);
      }
    });

    it('a change by another process right after our own write still drops our copy', async () => {
      const a = await node();
      const b = await node();
      await a.store.set('both', record({ v: 'a0' }), 60_000);
      for (let i = 1; i <= 20; i++) {
        await a.store.patch('both', { set: { v: `a${i}` }, unset: [], meta: record().meta }, 60_000);
        const loaded = a.store.get('both'); // A's load races with B's write
        await b.store.patch('both', { set: { v: `b${i}` }, unset: [], meta: record().meta }, 60_000);
        await loaded;
        await sleep(10); // B's report reaches A
        expect((await a.store.get('both'))!.data.v).toBe(`b${i}`);
      }
    });

    it('any client’s change of a session key invalidates, even one made outside CachedStore', async () => {
      const a = await node();
      const outsider = await connectRedis();
      await a.store.set('raw', record({ v: 1 }), 60_000);
      await a.store.set('keep', record({ v: 1 }), 60_000);
      await sleep(50); // Redis reports our own writes back too: let those arrive first
      await a.store.get('raw');
      await a.store.get('keep');
      expect(a.store.stats().size).toBe(2);
      // Another process's plain RedisStore (no near cache) changes it, on its own connection.
      await new RedisStore({ client: outsider, prefix }).set('raw', record({ v: 2 }), 60_000);
      await client.set(`other-${prefix}{keep}`, 'x'); // not under the prefix
      await waitUntil(() => a.store.stats().size === 1);
      expect((await a.store.get('raw'))!.data.v).toBe(2);
      expect((await a.store.get('keep'))!.data.v).toBe(1);
      await client.del(`other-${prefix}{keep}`);
      outsider.disconnect();
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
      const before = b.store.stats().invalidations;
      await a.store.patch('race', { set: { v: 'new' }, unset: [], meta: record().meta }, 60_000);
      await waitUntil(() => b.store.stats().invalidations > before);
      release();
      expect((await loading)!.data.v).toBe('old'); // that reader started before the write
      expect((await b.store.get('race'))!.data.v).toBe('new'); // but it was not cached
    });

    it('a write that fails after Redis applied it still invalidates the other processes', async () => {
      const a = await node();
      const b = await node();
      await a.store.set('f', record({ v: 'old' }), 60_000);
      expect((await b.store.get('f'))!.data.v).toBe('old');
      const realPatch = a.inner.patch.bind(a.inner);
      jest.spyOn(a.inner, 'patch').mockImplementationOnce(async (id, changes, ttl) => {
        await realPatch(id, changes, ttl);
        throw new Error('Command timed out');
      });
      await expect(a.store.patch('f', { set: { v: 'new' }, unset: [], meta: record().meta }, 60_000)).rejects.toThrow();
      await waitUntil(() => b.store.stats().size === 0, 1_000);
      expect((await b.store.get('f'))!.data.v).toBe('new');
    });

    it('stops serving copies within maxStaleness when the link stops answering, and trusts it again after', async () => {
      const a = await node({ maxStaleness: 300 });
      await a.store.set('lease', record({ v: 1 }), 60_000);
      await a.store.get('lease');
      expect(a.store.isCaching).toBe(true);
      // PINGs now go unanswered, as on a half-open link.
      const tracked = (a.store as unknown as { feed: { tracked: Map<string, { connection: Redis }> } }).feed.tracked;
      const connection = [...tracked.values()][0]!.connection;
      const ping = jest.spyOn(connection, 'ping').mockImplementation(() => new Promise(() => undefined));
      const cut = performance.now();
      await waitUntil(() => !a.store.isCaching, 1_000);
      expect(performance.now() - cut).toBeLessThan(300 + 100);
      const get = jest.spyOn(a.inner, 'get');
      await a.store.get('lease');
      expect(get).toHaveBeenCalledTimes(1); // read through
      ping.mockRestore();
      await waitUntil(() => a.store.isCaching, 3_000); // reconnected, tracking again
      await a.store.get('lease');
      await a.store.get('lease');
      expect(get).toHaveBeenCalledTimes(2);
    });

    it('rejects pub/sub options, which do not apply in front of a RedisStore', async () => {
      const subscriber = await connectRedis();
      closers.push(() => subscriber.quit());
      const inner = new RedisStore({ client, prefix });
      for (const extra of [{ channel: 'x' }, { instanceId: 'me' }, { publisher: client }]) {
        expect(() => new CachedStore(inner, { maxSize: 1, ttl: 1, subscriber, ...extra })).toThrow('RedisStore');
      }
    });
  });

  describe('with a subscriber in front of another store (pub/sub, real Redis)', () => {
    let client: Redis;
    const channel = `${uniquePrefix('cached-pubsub')}invalidate`;
    beforeAll(async () => {
      client = await connectRedis();
    });
    afterAll(() => client.quit());

    /** Two "processes" sharing one MemoryStore, as they would share any external store. */
    async function pair() {
      const shared = new MemoryStore();
      const make = async (instanceId: string) => {
        const subscriber = await connectRedis();
        const store = new CachedStore(shared, {
          maxSize: 100,
          ttl: 60_000,
          subscriber,
          publisher: client,
          channel,
          instanceId,
        });
        closers.push(async () => {
          await store.close();
          await subscriber.quit();
        });
        await waitUntil(() => store.isCaching);
        return store;
      };
      return { shared, a: await make('proc-a'), b: await make('proc-b') };
    }

    it('publishes after every write, also a failed one; ignores its own and malformed messages (#75)', async () => {
      const { shared, a, b } = await pair();
      await a.set('m', record({ v: 1 }), 60_000);
      await a.get('m');
      await b.get('m');
      for (const message of ['', 'no-space', ' lead', 'proc-a m', 'x'.repeat(10_000), '\u0000 \u0000']) {
        await client.publish(channel, message);
      }
      await client.publish('another-app:invalidate', 'proc-b m');
      await sleep(50);
      expect(a.stats().size).toBe(1);
      jest.spyOn(shared, 'patch').mockImplementationOnce(async (id, changes, ttl) => {
        await MemoryStore.prototype.patch.call(shared, id, changes, ttl);
        throw new Error('timed out');
      });
      await expect(a.patch('m', { set: { v: 2 }, unset: [], meta: record().meta }, 60_000)).rejects.toThrow();
      await waitUntil(() => b.stats().size === 0);
      expect((await b.get('m'))!.data.v).toBe(2);
    });
  });
});
