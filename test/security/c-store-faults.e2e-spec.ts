import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Redis } from 'ioredis';
import request, { type Response } from 'supertest';
import {
  CachedStore,
  recommendedRedisOptions,
  RedisStore,
  type SessionModuleOptions,
  type SessionRecord,
  type SessionStore,
} from '../../lib/index.js';
import { sessionCookie } from '../support/cookies.js';
import { startRedisServer, waitFor, type RedisServer } from '../support/redis-server.js';
import { collectUnhandledRejections, expectUnavailable, recovered, timed } from '../support/outage.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { adapterVariants, waitUntil, type StoreVariant } from '../support/variants.js';

/**
 * Checklist C (store faults) on a private redis-server this file starts on a
 * loopback port: CLIENT PAUSE (#38), a connection lost mid-request (#40), OOM
 * (#41), READONLY after a demotion (#43), graceful shutdown with saves in
 * flight (#45), eviction (#46), TTLs (#47, #48). #36, #37, #39 and #42 are in
 * test/redis/redis-outage.e2e-spec.ts, #44 in b-fixation-lifecycle.e2e-spec.ts.
 */

const express = adapterVariants.find((a) => a.name === 'express')!;
const STORE_TIMEOUT = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const unhandled = collectUnhandledRejections();

interface App {
  h: Harness;
  client: Redis;
  subscriber?: Redis;
  prefix: string;
}

/** An express app on RedisStore (or CachedStore(RedisStore)) over `server`, with its own ioredis connections. */
async function appOn(
  server: RedisServer,
  prefix: string,
  options: Partial<SessionModuleOptions> = {},
  cached?: { ttl: number },
): Promise<App> {
  const app = { prefix } as App;
  const variant: StoreVariant = {
    name: 'private redis-server',
    async create() {
      app.client = new Redis(server.url, recommendedRedisOptions);
      let store: SessionStore = new RedisStore({ client: app.client, prefix });
      if (cached) {
        app.subscriber = new Redis(server.url, recommendedRedisOptions);
        app.subscriber.on('error', () => undefined);
        store = new CachedStore(store, { maxSize: 100, ttl: cached.ttl, subscriber: app.subscriber });
      }
      return {
        store,
        async cleanup() {
          // These connections saw a killed, paused or demoted server: drop them, do not wait on them.
          app.client.disconnect();
          app.subscriber?.disconnect();
        },
      };
    },
  };
  app.h = await createHarness({
    adapter: express,
    store: variant,
    options: { storeTimeout: STORE_TIMEOUT, ...options },
  });
  if (cached) await waitUntil(() => (app.h.store as CachedStore).isCaching, 5_000);
  return app;
}

/** Every key under `pattern`, by SCAN. */
async function scanKeys(admin: Redis, pattern: string): Promise<string[]> {
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.forEach((k) => found.add(k));
    cursor = next;
  } while (cursor !== '0');
  return [...found];
}

const record = (data: Record<string, unknown>): SessionRecord => ({
  v: 1,
  meta: { createdAt: Date.now(), lastActiveAt: Date.now(), idleExpiresAt: 0, absoluteExpiresAt: 0, maxAge: 60_000 },
  data,
});

describe('checklist C: store faults on a private redis-server', () => {
  let server: RedisServer;
  /** Inspection connection, outside the app. */
  let admin: Redis;
  let main: App;

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url, recommendedRedisOptions);
    admin.on('error', () => undefined);
    main = await appOn(server, 'c:', { maxAge: 60_000 });
    await recovered(main.h.server);
  });

  afterAll(async () => {
    await main?.h.close();
    admin?.disconnect();
    await server?.stop();
  });

  it('#38 Redis slow (CLIENT PAUSE 3000 ALL): typed 503s in time, commands do not pile up, service resumes', async () => {
    const login = await request(main.h.server).post('/login').send({ userId: 'paused' });
    const cookie = sessionCookie(login)!;
    expect(await server.command('CLIENT', 'PAUSE', '3000', 'ALL')).toBe('OK');
    const pausedAt = Date.now();
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        timed(() =>
          i % 2 === 0
            ? request(main.h.server).get('/counter').set('Cookie', cookie)
            : request(main.h.server).post('/set/x').set('Cookie', cookie).send({ value: i }),
        ),
      ),
    );
    burst.forEach((r, i) => expectUnavailable(r, `paused request ${i}`));
    expect((await request(main.h.server).get('/anon')).status).toBe(200);
    // At most one command per failed request was ever queued, and all of them drain once the pause ends.
    expect(main.client.commandQueue.length).toBeLessThanOrEqual(20);
    await waitFor('the pause to end and the queue to drain', async () => main.client.commandQueue.length === 0, 6_000);
    expect(Date.now() - pausedAt).toBeGreaterThanOrEqual(2_500);
    const back = await recovered(main.h.server, cookie);
    expect(back.body.visits).toBeGreaterThanOrEqual(1);
    expect((await request(main.h.server).get('/me').set('Cookie', cookie)).body.userId).toBe('paused');
  });

  it('#40 connection cut between GET and SET (CLIENT KILL): the save goes through the reconnected client, 200 means stored', async () => {
    const login = await request(main.h.server).post('/login').send({ userId: 'cut' });
    const cookie = sessionCookie(login)!;
    const pending = request(main.h.server).post('/set/afterCut?delay=700').set('Cookie', cookie).send({ value: 1 });
    const done = pending.then((res) => res);
    await sleep(150); // the handler has loaded the session and is waiting
    const killed = await server.command('CLIENT', 'KILL', 'TYPE', 'normal');
    expect(killed).toBeGreaterThanOrEqual(1);
    const res = await done;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    const read = await request(main.h.server).get('/read').set('Cookie', cookie);
    expect(read.body.data).toEqual({ userId: 'cut', afterCut: 1 });
  });

  it('#40 Redis killed between GET and SET: a clean 503, never a 200, and no Set-Cookie', async () => {
    const login = await request(main.h.server).post('/login').send({ userId: 'lost' });
    const cookie = sessionCookie(login)!;
    const pending = request(main.h.server).post('/set/afterKill?delay=400').set('Cookie', cookie).send({ value: 1 });
    const done = pending.then((res) => res);
    await sleep(150);
    await server.kill();
    const started = performance.now();
    const res = await done;
    expectUnavailable({ res, ms: performance.now() - started }, 'the save after the kill');
    await server.restart();
    await recovered(main.h.server);
  });

  it('#41 Redis OOM (maxmemory 1mb, noeviction): a typed error, a 503, and nothing reports success', async () => {
    const login = await request(main.h.server).post('/login').send({ userId: 'oom' });
    const cookie = sessionCookie(login)!;
    const other = sessionCookie(await request(main.h.server).post('/login').send({ userId: 'oom2' }))!;
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', '1mb');
    try {
      const filler = 'f'.repeat(10_000);
      let oom: Error | undefined;
      for (let i = 0; i < 500 && !oom; i++) {
        await admin.set(`filler:${i}`, filler).catch((error: Error) => (oom = error));
      }
      expect(oom?.message).toMatch(/^OOM command not allowed/);

      // The store surfaces Redis's error as is: a rejected promise, never a silent success, and no key.
      await expect(main.h.store.create!('oom-direct', record({ a: 1 }), 60_000)).rejects.toThrow(
        /^OOM command not allowed/,
      );
      expect(await admin.exists('c:{oom-direct}')).toBe(0);
      // Through the module: the typed 503, without a Set-Cookie, for a new session, a write and a login.
      expectUnavailable(await timed(() => request(main.h.server).get('/counter')), 'a new visitor');
      expectUnavailable(
        await timed(() => request(main.h.server).post('/set/lost').set('Cookie', cookie).send({ value: 1 })),
        'a write',
      );
      expectUnavailable(
        await timed(() => request(main.h.server).post('/login').set('Cookie', other).send({ userId: 'x' })),
        'a login',
      );
      // That login destroyed the old session (DEL is allowed under OOM) before its create failed:
      // the replayed cookie is anonymous, never logged in as 'x'.
      expect((await request(main.h.server).get('/me').set('Cookie', other)).body.userId).toBeNull();
      // Nothing was half-written: no session hash holds the refused key.
      const fields = await Promise.all((await scanKeys(admin, 'c:{*}')).map((k) => admin.hkeys(k)));
      expect(fields.length).toBeGreaterThan(0);
      expect(fields.flat()).not.toContain('d:lost');
    } finally {
      for (const key of await scanKeys(admin, 'filler:*')) await admin.del(key);
      await admin.config('SET', 'maxmemory', '0');
    }
    const after = await request(main.h.server).post('/set/lost').set('Cookie', cookie).send({ value: 1 });
    expect(after.status).toBe(200);
    expect((await request(main.h.server).get('/read').set('Cookie', cookie)).body.data).toEqual({
      userId: 'oom',
      lost: 1,
    });
  });

  it('#43 READONLY after a demotion (REPLICAOF): writes fail with a typed 503 in time, the client reconnects, service resumes', async () => {
    const primary = await startRedisServer();
    let reconnects = 0;
    const count = () => reconnects++;
    main.client.on('reconnecting', count);
    try {
      expect(await server.command('REPLICAOF', '127.0.0.1', String(primary.port))).toBe('OK');
      await waitFor('the demoted server to sync with its primary', async () =>
        String(await server.command('INFO', 'replication')).includes('master_link_status:up'),
      );
      // Writes now answer READONLY: the command fails with that error (typed 503 upstream) and the
      // client reconnects (recommendedRedisOptions.reconnectOnError); it is not resent behind our back.
      await expect(main.h.store.set('ro-direct', record({ a: 1 }), 60_000)).rejects.toThrow(/^READONLY/);
      expectUnavailable(await timed(() => request(main.h.server).get('/counter')), 'a new visitor on a replica');
      expectUnavailable(
        await timed(() => request(main.h.server).post('/login').send({ userId: 'ro' })),
        'a login on a replica',
      );
      expect(reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      await server.command('REPLICAOF', 'NO', 'ONE');
      main.client.removeListener('reconnecting', count);
      await primary.stop();
    }
    // Promoted again (as after a failover). Nothing refused while read-only lands later: the replica's
    // dataset was replaced by the (empty) primary's, and no failed write was replayed after its 503.
    await sleep(1_000);
    expect(await scanKeys(admin, 'c:*')).toEqual([]);
    // Sessions work again without restarting the app.
    const back = await recovered(main.h.server);
    const next = await request(main.h.server).get('/counter').set('Cookie', sessionCookie(back)!);
    expect(next.body.visits).toBe(2);
  });

  it('#46 eviction (allkeys-lru under pressure): the session is logged out everywhere within the L1 ttl', async () => {
    const L1_TTL = 500;
    const cached = await appOn(server, 'evict:', { maxAge: 60_000 }, { ttl: L1_TTL });
    try {
      const login = await request(cached.h.server).post('/login').send({ userId: 'evicted' });
      const cookie = sessionCookie(login)!;
      for (let i = 0; i < 2; i++) {
        expect((await request(cached.h.server).get('/me').set('Cookie', cookie)).body.userId).toBe('evicted');
      }
      const [sessionKey] = await scanKeys(admin, 'evict:{*}');
      expect(sessionKey).toBeDefined();
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);
      await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await admin.config('SET', 'maxmemory', String(used + 256 * 1024));
      const filler = 'e'.repeat(1_000);
      let written = 0;
      for (; written < 50_000 && (await admin.exists(sessionKey!)) === 1; written += 200) {
        const batch = admin.pipeline();
        for (let i = 0; i < 200; i++) batch.set(`evict-filler:${written + i}`, filler);
        await batch.exec();
      }
      const evictedAt = Date.now();
      expect(await admin.exists(sessionKey!)).toBe(0);
      expect(Number(/evicted_keys:(\d+)/.exec(await admin.info('stats'))![1])).toBeGreaterThan(0);
      // Redis reports the eviction (CLIENT TRACKING); at worst the L1 copy dies at its own deadline.
      await waitFor(
        'the evicted session to read as logged out',
        async () => (await request(cached.h.server).get('/me').set('Cookie', cookie)).body.userId === null,
        L1_TTL + 1_000,
      );
      expect(Date.now() - evictedAt).toBeLessThanOrEqual(L1_TTL + 200);
    } finally {
      await admin.config('SET', 'maxmemory', '0');
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
      for (const key of await scanKeys(admin, 'evict-filler:*')) await admin.unlink(key);
      await cached.h.close();
    }
  });

  it('#47 TTL always set: 1 000 mixed operations leave every key with 0 < PTTL <= its bound, none at -1', async () => {
    const MAX_AGE = 60_000;
    const ABSOLUTE = 45_000;
    const soak = await appOn(server, 'soak:', { maxAge: MAX_AGE, absoluteMaxAge: ABSOLUTE, rolling: true });
    try {
      const srv = soak.h.server;
      const cookies: Array<string | undefined> = Array.from({ length: 20 }, () => undefined);
      let ownerIndexes = 0;
      const check = async (): Promise<number> => {
        const keys = await scanKeys(admin, 'soak:*');
        ownerIndexes = Math.max(ownerIndexes, keys.filter((k) => k.startsWith('soak:owner:')).length);
        for (const key of keys) {
          const pttl = await admin.pttl(key);
          if (pttl === -2) continue; // expired or deleted between SCAN and PTTL
          const bound = key.startsWith('soak:owner:') ? 2 * MAX_AGE : ABSOLUTE;
          if (!(pttl > 0 && pttl <= bound)) throw new Error(`${key} has PTTL ${pttl} (bound ${bound})`);
        }
        return keys.length;
      };
      let ops = 0;
      for (let round = 0; ops < 1_000; round++) {
        await Promise.all(
          cookies.map(async (cookie, slot) => {
            const pick = (round * 7 + slot * 3) % 6;
            let res: Response;
            const req = (r: request.Test) => (cookie ? r.set('Cookie', cookie) : r);
            if (!cookie || pick === 0)
              res = await req(request(srv).get('/counter')); // create or save
            else if (pick === 1)
              res = await req(request(srv).post(`/set/k${round}`).send({ value: round })); // patch
            else if (pick === 2)
              res = await req(request(srv).get('/read')); // touch (rolling)
            else if (pick === 3)
              res = await req(
                request(srv)
                  .post('/login')
                  .send({ userId: `u${slot % 5}` }),
              ); // regenerate
            else if (pick === 4)
              res = await req(request(srv).post('/logout')); // destroy
            else res = await req(request(srv).get('/me')); // touch
            expect(res.status).toBeLessThan(300);
            const next = sessionCookie(res);
            if (pick === 4) cookies[slot] = undefined;
            else if (next && !next.endsWith('=')) cookies[slot] = next;
          }),
        );
        ops += cookies.length;
        if (round % 10 === 0) await check();
      }
      expect(await check()).toBeGreaterThan(5);
      expect(ownerIndexes).toBeGreaterThan(0);
    } finally {
      await soak.h.close();
    }
  });

  it('#48 a save whose computed TTL is <= 0 deletes the key instead of sending a zero or negative expiry', async () => {
    const short = await appOn(server, 'short:', { maxAge: 60_000, absoluteMaxAge: 300 });
    try {
      const login = await request(short.h.server).post('/login').send({ userId: 'brief' });
      const cookie = sessionCookie(login)!;
      expect((await scanKeys(admin, 'short:{*}')).length).toBe(1);
      await admin.config('RESETSTAT');
      // Loaded while valid, saved after the absolute deadline passed.
      const late = await request(short.h.server).post('/set/late?delay=450').set('Cookie', cookie).send({ value: 1 });
      expect(late.status).toBe(200);
      expect(await scanKeys(admin, 'short:{*}')).toEqual([]);
      // No command failed: nothing sent a zero or negative expiry (Redis would answer an error).
      expect(await admin.info('errorstats')).not.toMatch(/errorstat_/);
      expect((await request(short.h.server).get('/me').set('Cookie', cookie)).body.userId).toBeNull();
      // The store itself: a negative TTL deletes an existing record.
      await short.h.store.set('neg', record({ a: 1 }), 60_000);
      await short.h.store.set('neg', record({ a: 2 }), -1);
      expect(await admin.exists('short:{neg}')).toBe(0);
    } finally {
      await short.h.close();
    }
  });

  it('#45 graceful shutdown: a save in flight when the app closes is completed and acknowledged; quit() drains', async () => {
    const closing = await appOn(server, 'shutdown:', { maxAge: 60_000 }, { ttl: 5_000 });
    const login = await request(closing.h.server).post('/login').send({ userId: 'leaving' });
    const cookie = sessionCookie(login)!;
    // Record the order in which the in-flight save and the store's close() finish.
    const store = closing.h.store as CachedStore;
    const order: string[] = [];
    const realClose = store.close.bind(store);
    const realPatch = store.patch.bind(store);
    jest.spyOn(store, 'close').mockImplementation(async () => {
      order.push('close');
      await realClose();
    });
    jest.spyOn(store, 'patch').mockImplementation(async (...args) => {
      const done = await realPatch(...args);
      order.push('patch');
      return done;
    });
    const inFlight = request(closing.h.server).post('/set/last?delay=300').set('Cookie', cookie).send({ value: 42 });
    const answered = inFlight.then((res) => res);
    await sleep(100);
    // app.close(): SessionModule closes the store (CachedStore: subscriber listeners, timers), the HTTP
    // server waits for the request in flight, whose save still reaches Redis.
    await closing.h.app.close();
    const res = await answered;
    expect(res.status).toBe(200);
    // The HTTP server drained before the store was closed; closing removed the cache's subscriber listeners.
    expect(order).toEqual(['patch', 'close']);
    expect(store.isCaching).toBe(false);
    expect(closing.subscriber!.listenerCount('message')).toBe(0);
    // quit(), not disconnect(): resolves once every pending reply is in.
    await closing.client.quit();
    await closing.subscriber!.quit();
    const [key] = await scanKeys(admin, 'shutdown:{*}');
    expect(await admin.hget(key!, 'd:last')).toBe('42');
  });

  it('raised no unhandled rejection', () => {
    expect(unhandled).toEqual([]);
  });
});
