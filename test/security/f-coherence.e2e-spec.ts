import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import request from 'supertest';
import {
  CachedStore,
  recommendedRedisOptions,
  RedisStore,
  SessionService,
  type SessionRecord,
  type SessionStore,
} from '../../lib/index.js';
import { sessionCookie } from '../support/cookies.js';
import { startRedisCluster, startRedisServer, waitFor, type RedisServer } from '../support/redis-server.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { TestController } from '../support/test-controller.js';
import { adapterVariants, waitUntil, type StoreVariant } from '../support/variants.js';

/** An admin action: end every session of a user (account disabled). */
@Controller('admin')
class RevokeController {
  constructor(private readonly sessions: SessionService) {}

  @Post('revoke')
  @HttpCode(200)
  async revoke(@Body() body: { userId: string }): Promise<{ ended: number }> {
    return { ended: await this.sessions.destroyByOwner(body.userId) };
  }
}

/**
 * Checklist F: coherence of CachedStore across processes. Each "process" is a
 * CachedStore with its own two ioredis connections (commands + subscriber),
 * on a private redis-server started here, so its pub/sub clients can be
 * killed and its limits changed. test/cached/multi-process.e2e-spec.ts runs
 * the same checks with forked app processes (#56, #67, #68).
 */

const express = adapterVariants.find((a) => a.name === 'express')!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const noop = () => undefined;

const record = (data: Record<string, unknown> = {}, idleExpiresAt = 0): SessionRecord => ({
  v: 1,
  meta: { createdAt: Date.now(), lastActiveAt: Date.now(), idleExpiresAt, absoluteExpiresAt: 0, maxAge: 60_000 },
  data,
});

interface Node {
  store: CachedStore;
  inner: RedisStore;
  client: Redis;
  subscriber: Redis;
}

describe('checklist F: coherence across processes (private redis-server)', () => {
  let server: RedisServer;
  let admin: Redis;
  const closers: Array<() => Promise<unknown>> = [];

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, recommendedRedisOptions);
    admin.on('error', noop);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    while (closers.length > 0) await closers.pop()!();
  });

  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  /** One "process": CachedStore(RedisStore) with its own command and subscriber connections. */
  async function node(
    prefix: string,
    options: { ttl?: number; db?: number; maxStaleness?: number } = {},
  ): Promise<Node> {
    const connection = { ...recommendedRedisOptions, db: options.db ?? 0 };
    const client = new Redis(server.url, connection);
    const subscriber = new Redis(server.url, connection);
    subscriber.on('error', noop);
    const inner = new RedisStore({ client, prefix });
    const store = new CachedStore(inner, {
      maxSize: 1_000,
      ttl: options.ttl ?? 60_000,
      subscriber,
      maxStaleness: options.maxStaleness,
    });
    closers.push(async () => {
      await store.close();
      client.disconnect();
      subscriber.disconnect();
    });
    await waitUntil(() => store.isCaching, 5_000);
    return { store, inner, client, subscriber };
  }

  /** Ms until `n`'s invalidation counter reaches `count`, polled every ms (at most 1 s). */
  async function delivered(n: Node, count: number): Promise<number> {
    const started = performance.now();
    while (n.store.stats().invalidations < count) {
      if (performance.now() - started > 1_000) throw new Error('no invalidation arrived within 1 s');
      await sleep(1);
    }
    return performance.now() - started;
  }

  /** An express app on `store`, closed after the test. */
  async function appOn(store: SessionStore): Promise<Harness> {
    const variant: StoreVariant = {
      name: 'CachedStore',
      create: async () => ({ store, cleanup: async () => undefined }),
    };
    const h = await createHarness({
      adapter: express,
      store: variant,
      controllers: [TestController, RevokeController],
    });
    closers.push(() => h.app.close());
    return h;
  }

  it('#66 destroy in A: B, which had the session in L1, rejects it within 100 ms (20 rounds)', async () => {
    const a = await node('f66:');
    const b = await node('f66:');
    const appA = await appOn(a.store);
    const appB = await appOn(b.store);
    const delays: number[] = [];
    for (let round = 0; round < 20; round++) {
      const cookie = sessionCookie(
        await request(appA.server)
          .post('/login')
          .send({ userId: `u${round}` }),
      )!;
      for (let i = 0; i < 2; i++) {
        expect((await request(appB.server).get('/me').set('Cookie', cookie)).body.userId).toBe(`u${round}`);
      }
      const hits = b.store.stats().hits;
      expect((await request(appB.server).get('/me').set('Cookie', cookie)).body.userId).toBe(`u${round}`);
      expect(b.store.stats().hits).toBe(hits + 1); // B serves it from L1
      const before = b.store.stats().invalidations;
      await request(appA.server).post('/logout').set('Cookie', cookie).expect(200);
      // How long after A acknowledged the logout B's L1 dropped the copy (often 0: it came first).
      delays.push(await delivered(b, before + 1));
      expect((await request(appB.server).get('/me').set('Cookie', cookie)).body.userId).toBeNull();
    }
    delays.sort((x, y) => x - y);
    expect(delays[delays.length - 1]).toBeLessThanOrEqual(100);
  });

  it('#31 revoke all in A (destroyByOwner): B rejects every session of that user at once; other users keep theirs', async () => {
    const a = await node('f31:');
    const b = await node('f31:');
    const appA = await appOn(a.store);
    const appB = await appOn(b.store);
    const login = async (userId: string) => sessionCookie(await request(appA.server).post('/login').send({ userId }))!;
    const victims = [await login('disabled'), await login('disabled'), await login('disabled')];
    const bystander = await login('other');
    for (const cookie of [...victims, bystander]) {
      for (let i = 0; i < 2; i++) await request(appB.server).get('/me').set('Cookie', cookie).expect(200);
    }
    expect(b.store.stats().size).toBe(4);
    const before = b.store.stats().invalidations;
    const revoked = await request(appA.server).post('/admin/revoke').send({ userId: 'disabled' });
    expect(revoked.body).toEqual({ ended: 3 });
    expect(await delivered(b, before + 3)).toBeLessThanOrEqual(100);
    for (const cookie of victims) {
      expect((await request(appB.server).get('/me').set('Cookie', cookie)).body.userId).toBeNull();
    }
    expect((await request(appB.server).get('/me').set('Cookie', bystander)).body.userId).toBe('other');
  });

  it('#67 #68 B’s subscriber killed (CLIENT KILL TYPE pubsub) while A destroys: no stale read in the gap, and B rejects once back', async () => {
    const a = await node('f67:');
    const b = await node('f67:');
    await a.store.set('s67', record({ userId: 'kim' }), 60_000);
    await b.store.get('s67');
    expect((await b.store.get('s67'))?.data.userId).toBe('kim'); // cached in B
    const flushes = b.store.stats().flushes;

    expect(await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBeGreaterThanOrEqual(2);
    await waitUntil(() => !b.store.isCaching, 2_000);
    // B flushed its L1 on close/error, before anything else could happen.
    expect(b.store.stats().flushes).toBeGreaterThan(flushes);
    expect(b.store.stats().size).toBe(0);

    // A destroys while B is reconnecting: B's invalidation is lost, yet B reads through to Redis (#68).
    await a.store.destroy('s67');
    const innerGet = jest.spyOn(b.inner, 'get');
    const hits = b.store.stats().hits;
    for (let i = 0; i < 5 && !b.store.isCaching; i++) expect(await b.store.get('s67')).toBeNull();
    expect(b.store.stats().hits).toBe(hits);
    expect(innerGet.mock.calls.length).toBeGreaterThanOrEqual(1);

    // Resubscribed (and flushed once more): still rejected, and caching with live invalidations again.
    await waitUntil(() => b.store.isCaching, 5_000);
    expect(await b.store.get('s67')).toBeNull();
    await a.store.set('s67b', record({ v: 1 }), 60_000);
    await b.store.get('s67b');
    await a.store.patch('s67b', { set: { v: 2 }, unset: [], meta: record().meta }, 60_000);
    await waitFor('B to drop its copy', async () => (await b.store.get('s67b'))?.data.v === 2, 1_000);
  });

  it('#71 invalidation lost (B’s link silently dead after the write): B’s staleness stays within maxStaleness', async () => {
    const BOUND = 400;
    const a = await node('f71:');
    const b = await node('f71:', { maxStaleness: BOUND });
    await a.store.set('s71', record({ v: 'old' }), 60_000);
    await sleep(20); // Redis reports A's own write to B too: let it arrive before B caches
    expect((await b.store.get('s71'))?.data.v).toBe('old');
    expect((await b.store.get('s71'))?.data.v).toBe('old');
    // From now on B's invalidation connection delivers nothing, and its PINGs go unanswered.
    const tracked = (b.store as unknown as { feed: { tracked: Map<string, { connection: Redis }> } }).feed.tracked;
    const connection = [...tracked.values()][0]!.connection;
    const emit = connection.emit.bind(connection);
    jest
      .spyOn(connection, 'emit')
      .mockImplementation((event: string | symbol, ...args: unknown[]) =>
        event === 'messageBuffer' || event === 'message' ? false : emit(event, ...args),
      );
    jest.spyOn(connection, 'ping').mockImplementation(() => new Promise(() => undefined));
    await a.store.patch('s71', { set: { v: 'new' }, unset: [], meta: record().meta }, 60_000);
    const writtenAt = performance.now();
    expect(await admin.hget('f71:{s71}', 'd:v')).toBe('"new"');
    await waitFor('B to serve the new value', async () => (await b.store.get('s71'))?.data.v === 'new', 2 * BOUND);
    expect(performance.now() - writtenAt).toBeLessThanOrEqual(BOUND + 150);
  });

  it('#72 slow subscriber past client-output-buffer-limit: disconnect noticed, L1 flushed, resubscribed', async () => {
    const a = await node('f72:');
    const b = await node('f72:');
    await a.inner.set('s72', record({ v: 1 }), 60_000); // no publish: nothing races with B's load
    await b.store.get('s72');
    expect(b.store.stats().size).toBe(1);
    const flushes = b.store.stats().flushes;
    await admin.config('SET', 'client-output-buffer-limit', 'pubsub 1kb 1kb 1');
    try {
      // A flood larger than the limit in one burst: Redis closes the subscribers' connections.
      const flood = admin.pipeline();
      for (let i = 0; i < 4; i++) flood.publish('__redis__:invalidate', `flood ${'x'.repeat(64 * 1024)}`);
      await flood.exec();
      await waitFor('B to notice the dropped subscriber', async () => b.store.stats().flushes > flushes, 2_000);
      expect(b.store.stats().size).toBe(0);
    } finally {
      await admin.config('SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
    }
    await waitUntil(() => b.store.isCaching && a.store.isCaching, 5_000);
    // Resubscribed: invalidations flow again.
    expect((await b.store.get('s72'))?.data.v).toBe(1);
    await a.store.patch('s72', { set: { v: 2 }, unset: [], meta: record().meta }, 60_000);
    await waitFor('B to hear A again', async () => (await b.store.get('s72'))?.data.v === 2, 1_000);
  });

  it('#73 expiry inside Redis: B’s copy dies at the session’s own deadline, not later', async () => {
    const a = await node('f73:');
    const b = await node('f73:');
    const deadline = Date.now() + 300;
    await a.inner.set('s73', record({ v: 1 }, deadline), 300);
    expect((await b.store.get('s73'))?.data.v).toBe(1);
    expect(b.store.stats().size).toBe(1);
    await waitFor('B to stop serving the expired session', async () => (await b.store.get('s73')) === null, 2_000);
    expect(Date.now()).toBeLessThanOrEqual(deadline + 200);
    expect(await admin.exists('f73:{s73}')).toBe(0);
  });

  it('#74 isolation: two apps with their own prefixes (and db numbers) on one Redis do not invalidate each other', async () => {
    const app1a = await node('app1:sess:');
    const app1b = await node('app1:sess:');
    const app2b = await node('app2:sess:', { db: 1 });
    await app1a.store.set('same', record({ app: 1 }), 60_000);
    await app2b.inner.set('same', record({ app: 2 }), 60_000);
    await app1b.store.get('same');
    await app2b.store.get('same');
    const before = app2b.store.stats().invalidations;
    await app1a.store.patch('same', { set: { app: 11 }, unset: [], meta: record().meta }, 60_000);
    await waitFor('app 1’s other process to drop its copy', async () => app1b.store.stats().size === 0, 1_000);
    await sleep(100);
    // App 2 heard nothing: its copy stays, and it reads its own data.
    expect(app2b.store.stats().invalidations).toBe(before);
    expect(app2b.store.stats().size).toBe(1);
    expect((await app2b.store.get('same'))?.data.app).toBe(2);
  });

  it('#75 duplicated, unknown-id, foreign and malformed invalidation messages: no crash, no eviction beyond the one id', async () => {
    const b = await node('f75:');
    for (const id of ['keep1', 'keep2', 'target']) await b.inner.set(id, record({ id }), 60_000);
    await sleep(20);
    for (const id of ['keep1', 'keep2', 'target']) await b.store.get(id);
    expect(b.store.stats().size).toBe(3);
    // Anyone may publish on Redis's tracking channel: such messages are parsed like Redis's own.
    for (const message of [
      'f75:{unknown-id}',
      'f75:{unknown-id}',
      'other:{keep1}',
      '',
      'f75:{target}',
      'f75:{target}',
    ]) {
      await admin.publish('__redis__:invalidate', message);
    }
    await waitFor('the target to be dropped', async () => b.store.stats().size === 2, 1_000);
    await sleep(50);
    expect(b.store.stats().size).toBe(2);
    expect((await b.store.get('keep1'))?.data.id).toBe('keep1');
    expect(b.store.isCaching).toBe(true);
  });
});

describe('checklist F #76: CachedStore on a Redis Cluster', () => {
  let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
  const clients: Cluster[] = [];

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
  }, 60_000);

  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.stop();
  });

  async function clusterNode(): Promise<{ store: CachedStore; inner: RedisStore }> {
    const make = () => {
      const c = new Cluster(cluster.startupNodes, { redisOptions: { commandTimeout: 1_000 } });
      c.on('error', noop);
      clients.push(c);
      return c;
    };
    const client = make();
    const subscriber = make();
    const inner = new RedisStore({ client, prefix: 'f76:' });
    const store = new CachedStore(inner, { maxSize: 100, ttl: 60_000, subscriber });
    await waitUntil(() => store.isCaching, 10_000);
    return { store, inner };
  }

  it('#76 invalidations reach the other process whichever master holds the session (one tracking link per node); no CROSSSLOT', async () => {
    const a = await clusterNode();
    const b = await clusterNode();
    const errors: string[] = [];
    for (const c of clients) c.on('error', (error: Error) => errors.push(error.message));
    // Ids in many slots, so the writes (and their invalidations) go through every master.
    const ids = Array.from({ length: 12 }, (_, i) => `cluster-${i}`);
    for (const id of ids) {
      await a.store.set(id, record({ v: 0, owner: id }), 60_000);
      expect((await b.store.get(id))?.data.v).toBe(0);
    }
    for (const id of ids) {
      await a.store.patch(id, { set: { v: 1 }, unset: [], meta: record().meta }, 60_000);
    }
    await waitFor(
      'B to hear every invalidation',
      async () => (await Promise.all(ids.map((id) => b.store.get(id)))).every((r) => r?.data.v === 1),
      2_000,
    );
    for (const id of ids) await a.store.destroy(id);
    await waitFor(
      'B to hear every destroy',
      async () => (await Promise.all(ids.map((id) => b.store.get(id)))).every((r) => r === null),
      2_000,
    );
    expect(await b.store.length()).toBe(0);
    await a.store.close();
    await b.store.close();
    expect(errors.filter((m) => /CROSSSLOT/.test(m))).toEqual([]);
  });
});
