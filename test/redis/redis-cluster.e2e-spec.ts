import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { recommendedRedisOptions, RedisStore, type SessionMeta, type SessionRecord } from '../../lib/index.js';
import { sessionCookie } from '../support/cookies.js';
import { startRedisCluster, waitFor, type RedisCluster } from '../support/redis-server.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { TestController } from '../support/test-controller.js';
import { TokenController } from '../support/token-controller.js';
import { adapterVariants, type StoreVariant } from '../support/variants.js';
import { writeV1Session } from '../support/redis-layouts.js';

/**
 * RedisStore on a 3-master Redis Cluster started by this file (checklist F
 * #76): every key is hash-tagged, so each script runs on one node (no
 * CROSSSLOT), and listings cover every master.
 */

const TTL = 60_000;
const newId = (): string => randomBytes(32).toString('base64url');

function record(data: Record<string, unknown>, owner?: string): SessionRecord {
  const now = Date.now();
  const meta: SessionMeta = {
    createdAt: now,
    lastActiveAt: now,
    idleExpiresAt: now + TTL,
    absoluteExpiresAt: 0,
    maxAge: TTL,
  };
  if (owner !== undefined) meta.owner = owner;
  return { v: 1, meta, data };
}

/** The README's Cluster setup: the recommended options, the retry strategy moved to the cluster level. */
function clusterClient(cluster: RedisCluster): Cluster {
  const { retryStrategy, ...nodeOptions } = recommendedRedisOptions;
  return new Cluster(cluster.startupNodes, { redisOptions: nodeOptions, clusterRetryStrategy: retryStrategy });
}

let cluster: RedisCluster;
let client: Cluster;
/** One plain connection per node, to look at what each master holds. */
let direct: Redis[];
const errors: Error[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  client = clusterClient(cluster);
  client.on('error', (error: Error) => errors.push(error));
  await waitFor('the Cluster client to be ready', async () => client.status === 'ready');
  direct = cluster.nodes.map((node) => new Redis(node.url, { lazyConnect: true }));
  await Promise.all(direct.map((node) => node.connect()));
}, 60_000);

afterAll(async () => {
  await Promise.all((direct ?? []).map((node) => node.quit()));
  await client?.quit();
  await cluster?.stop();
}, 30_000);

/** Keys under a prefix on one node (SCAN on that node only). */
async function keysOn(node: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...keys);
    cursor = next;
  } while (cursor !== '0');
  return found;
}

describe('RedisStore on a Redis Cluster', () => {
  it('the cluster has three masters, each owning slots', async () => {
    expect(client.nodes('master')).toHaveLength(3);
    for (const node of direct) {
      expect(await node.call('CLUSTER', 'INFO')).toMatch(/cluster_state:ok/);
      expect(Number(await node.dbsize())).toBeGreaterThanOrEqual(0);
    }
  });

  it('saves, loads, patches, touches and destroys a session', async () => {
    const store = new RedisStore({ client, prefix: 'c1:' });
    const id = newId();
    const written = record({ big: 2 ** 56, empty: [], nested: { a: { b: 1 } } }, 'ann');
    await store.set(id, written, TTL);
    expect(await store.get(id)).toEqual(written);
    expect(await store.create(id, record({}), TTL)).toBe(false);
    expect(await store.patch(id, { set: { c: 3 }, unset: ['empty'], meta: written.meta }, TTL)).toBe(true);
    await client.pexpire(`c1:{${id}}`, 1_000);
    await store.touch(id, written, TTL);
    expect(await client.pttl(`c1:{${id}}`)).toBeGreaterThan(TTL - 1_000);
    expect((await store.get(id))!.data).toEqual({ big: 2 ** 56, nested: { a: { b: 1 } }, c: 3 });
    await store.destroy(id);
    expect(await store.get(id)).toBeNull();
    expect(await store.patch(id, { set: { d: 4 }, unset: [], meta: written.meta }, TTL)).toBe(false);
    expect(await store.listByOwner('ann')).toEqual([]);
  });

  it('length() and all() count sessions across every master; clear() empties them all', async () => {
    const prefix = 'c30:';
    const store = new RedisStore({ client, prefix });
    const ids = Array.from({ length: 30 }, newId);
    // Two owners: their index keys live in slots of their own, away from most sessions.
    await Promise.all(ids.map((id, i) => store.set(id, record({ i }, i % 2 ? 'odd' : 'even'), TTL)));

    const perNode = await Promise.all(direct.map((node) => keysOn(node, `${prefix}{*}`)));
    for (const keys of perNode) expect(keys.length).toBeGreaterThan(0); // each master holds some
    expect(perNode.reduce((sum, keys) => sum + keys.length, 0)).toBe(30);

    expect(await store.length()).toBe(30);
    const all = await store.all();
    expect(all.map((s) => s.id).sort()).toEqual([...ids].sort());
    expect(all.find((s) => s.id === ids[7])!.record.data).toEqual({ i: 7 });

    const odd = await store.listByOwner('odd');
    expect(odd.map((s) => s.id).sort()).toEqual(ids.filter((_, i) => i % 2).sort());

    await store.clear();
    expect(await store.length()).toBe(0);
    for (const node of direct) expect(await keysOn(node, `${prefix}*`)).toEqual([]);
  });

  it('keeps the owner index across slots: owner change, destroy, pruning of expired ids', async () => {
    const store = new RedisStore({ client, prefix: 'cown:' });
    const [a, b, c] = [newId(), newId(), newId()];
    await store.set(a, record({ userId: 'zoe' }, 'zoe'), TTL);
    expect(await store.create(b, record({ userId: 'zoe' }, 'zoe'), TTL)).toBe(true);
    await store.set(c, record({ userId: 'zoe' }, 'zoe'), TTL);
    expect((await store.listByOwner('zoe')).map((s) => s.id).sort()).toEqual([a, b, c].sort());

    await store.patch(b, { set: { userId: 'yan' }, unset: [], meta: record({}, 'yan').meta }, TTL);
    await store.destroy(c);
    expect((await store.listByOwner('zoe')).map((s) => s.id)).toEqual([a]);
    expect((await store.listByOwner('yan')).map((s) => s.id)).toEqual([b]);

    await client.del(`cown:{${a}}`); // as an expiry would
    expect(await store.listByOwner('zoe')).toEqual([]);
    const indexKey = `cown:owner:{${createHash('sha256').update('zoe').digest('base64url')}}`;
    expect(await client.zcard(indexKey)).toBe(0);
    await store.clear();
  });

  it('reads and converts a session of the v1 layout; a touch past the index life extends the index', async () => {
    const store = new RedisStore({ client, prefix: 'cv1:' });
    const id = newId();
    const written = record({ userId: 'vic' }, 'vic');
    await writeV1Session(client as unknown as Redis, 'cv1:', id, written, 10_000);
    expect(await store.get(id)).toEqual(written);
    expect(await store.patch(id, { set: { n: 1 }, unset: [], meta: written.meta }, 10_000)).toBe(true);
    expect(await client.type(`cv1:{${id}}`)).toBe('string');
    expect((await store.listByOwner('vic')).map((s) => s.id)).toEqual([id]);
    await store.touch(id, written, 100_000);
    const indexKey = `cv1:owner:{${createHash('sha256').update('vic').digest('base64url')}}`;
    expect(await client.pttl(indexKey)).toBeGreaterThanOrEqual(await client.pttl(`cv1:{${id}}`));
    expect((await store.get(id))!.data).toEqual({ userId: 'vic', n: 1 });
    await store.clear();
  });

  it('raised no CROSSSLOT (or any other) error on the client', () => {
    expect(errors.map((e) => e.message)).toEqual([]);
  });
});

describe.each(adapterVariants.map((a) => [a.name, a] as const))(
  'a Nest app on a Redis Cluster (%s)',
  (_name, adapter) => {
    let h: Harness;
    const prefix = `app-${adapter.name}:`;

    beforeAll(async () => {
      const variant: StoreVariant = {
        name: 'RedisStore on Cluster',
        async create() {
          const store = new RedisStore({ client, prefix });
          return { store, cleanup: () => store.clear() };
        },
      };
      h = await createHarness({
        adapter,
        store: variant,
        controllers: [TestController, TokenController],
        options: { requestContext: true },
      });
    });
    afterAll(() => h.close());

    it('serves the visit counter', async () => {
      const agent = request.agent(h.server);
      expect((await agent.get('/counter')).body.visits).toBe(1);
      expect((await agent.get('/counter')).body.visits).toBe(2);
      expect((await request(h.server).get('/counter')).body.visits).toBe(1);
    });

    it('logs in with regenerate, lists and ends the user’s sessions, logs out', async () => {
      const laptop = request.agent(h.server);
      const phone = request.agent(h.server);
      await laptop.post('/set/cart').send({ value: ['book'] });
      const preId = (await laptop.get('/read')).body.id as string;
      const login = await laptop.post('/login').send({ userId: 'kim' });
      expect(login.status).toBe(200);
      expect(await h.store.get(preId)).toBeNull();
      expect((await laptop.get('/read')).body.data).toEqual({ cart: ['book'], userId: 'kim' });
      await phone.post('/login').send({ userId: 'kim' });

      const devices = (await laptop.get('/devices')).body as Array<{ id: string; current: boolean }>;
      expect(devices).toHaveLength(2);
      expect(devices.filter((d) => d.current).map((d) => d.id)).toEqual([login.body.id]);

      expect((await laptop.post('/logout-others')).body).toEqual({ ended: 1 });
      expect((await phone.get('/me')).body).toEqual({ userId: null });
      expect((await laptop.get('/me')).body).toEqual({ userId: 'kim' });

      const cookie = sessionCookie(login)!;
      expect((await laptop.post('/logout')).status).toBe(200);
      expect((await request(h.server).get('/me').set('Cookie', cookie)).body).toEqual({ userId: null });
    });

    it('keeps all 20 keys written concurrently to one session', async () => {
      const first = await request(h.server).post('/set/seed').send({ value: 0 });
      const cookie = sessionCookie(first)!;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          request(h.server).post(`/set/k${i}`).set('Cookie', cookie).send({ value: i }),
        ),
      );
      expect(results.every((r) => r.status === 200)).toBe(true);
      const data = (await request(h.server).get('/read').set('Cookie', cookie)).body.data as Record<string, unknown>;
      for (let i = 0; i < 20; i++) expect(data[`k${i}`]).toBe(i);
    });
  },
);
