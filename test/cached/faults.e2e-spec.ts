import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { sessionCookie } from '../support/cookies.js';
import { startRedisServer, waitFor, type RedisServer } from '../support/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';

/**
 * CachedStore(RedisStore) under faults, with two real app processes (A
 * writes, B reads) on a private redis-server. B's invalidation connection
 * goes through a TCP proxy the test controls; its commands go direct.
 * Each test asserts the documented bound: no read that starts later than
 * BOUND after a write took effect returns the value before it.
 */

/** CachedStore's default `maxStaleness`, which the fixture keeps. */
const BOUND = 1_000;
/** Scheduling slack on a loaded 2-core machine: the bound is checked against the test's clock. */
const SLACK = 400;
const STORE_TIMEOUT = 1_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Read {
  /** ms since `origin`. */
  at: number;
  status: number;
  v: unknown;
}

describe('CachedStore under faults: two processes, a bounded staleness', () => {
  let redis: RedisServer;
  let proxy: TcpProxy;
  let a: AppProcess;
  let b: AppProcess;
  const caching = async (p: AppProcess): Promise<boolean> =>
    (await request(p.url).get('/cache').timeout(3_000)).body.caching === true;
  const bothCaching = () => waitFor('both processes to cache', async () => (await caching(a)) && (await caching(b)));

  beforeAll(async () => {
    redis = await startRedisServer();
    proxy = await startTcpProxy(redis.port);
    const env = { REDIS_URL: redis.url, SESSION_PREFIX: 'flt:', STORE_TIMEOUT: String(STORE_TIMEOUT) };
    [a, b] = await Promise.all([
      startAppProcess('test/fixtures/cached-app/main.js', env),
      startAppProcess('test/fixtures/cached-app/main.js', { ...env, SUBSCRIBER_URL: proxy.url }),
    ]);
    await bothCaching();
  }, 60_000);

  afterAll(async () => {
    redis?.thaw();
    await Promise.all([a, b].map((p) => p?.stop()));
    await proxy?.close();
    await redis?.stop();
  });

  async function login(user: string): Promise<string> {
    const res = await request(a.url).post('/login').send({ userId: user });
    expect(res.status).toBe(200);
    return sessionCookie(res)!;
  }

  const write = (p: AppProcess, cookie: string, v: string) =>
    request(p.url).post('/write').set('Cookie', cookie).send({ v }).timeout(5_000);

  /** `p` caches the session's current value `v`: read until a read is a cache hit (at most 5 reads). */
  async function cachedIn(p: AppProcess, cookie: string, v: string): Promise<void> {
    await sleep(30); // Redis reports the writer's change to every process: let it arrive first
    const hits = (await request(p.url).get('/cache')).body.hits as number;
    for (let i = 0; i < 5 && (await request(p.url).get('/cache')).body.hits === hits; i++) {
      expect((await request(p.url).get('/read').set('Cookie', cookie)).body.data.v).toBe(v);
    }
    expect((await request(p.url).get('/cache')).body.hits).toBeGreaterThan(hits);
  }

  /** Read through `p` every 25 ms for `ms`, one request at a time. */
  async function readFor(p: AppProcess, cookie: string, ms: number, origin: number): Promise<Read[]> {
    const reads: Read[] = [];
    for (const end = performance.now() + ms; performance.now() < end;) {
      const at = performance.now() - origin;
      const res = await request(p.url).get('/read').set('Cookie', cookie).timeout(5_000);
      reads.push({ at, status: res.status, v: res.status === 200 ? res.body.data.v : undefined });
      await sleep(25);
    }
    return reads;
  }

  /** Last start time (ms since origin) of a read that returned `v`, or -Infinity. */
  const lastRead = (reads: Read[], v: string): number => Math.max(...reads.filter((r) => r.v === v).map((r) => r.at));

  it('Redis frozen (SIGSTOP) during a write: the write times out, lands on SIGCONT, and B is never stale past the bound', async () => {
    const cookie = await login('stall');
    expect((await write(a, cookie, 'old')).status).toBe(200);
    await cachedIn(b, cookie, 'old');
    // A has it cached too: its request loads from memory, so the first Redis command is the patch itself.
    await cachedIn(a, cookie, 'old');

    redis.freeze();
    const frozenAt = performance.now();
    const writing = write(a, cookie, 'new');
    const during = readFor(b, cookie, 1_500, frozenAt);
    const written = await writing;
    const answeredAt = performance.now() - frozenAt;
    expect(written.status).toBe(503); // storeTimeout: the outcome is unknown to A
    // A, whose write's outcome is unknown, never reads the value before it.
    const aDuring = await readFor(a, cookie, 300, frozenAt);
    const bDuring = await during;
    redis.thaw(); // Redis applies the patch it had received
    const thawedAt = performance.now() - frozenAt;
    const bAfter = await readFor(b, cookie, BOUND + 500, frozenAt);
    const aAfter = await readFor(a, cookie, 200, frozenAt);

    expect([...aDuring, ...aAfter].filter((r) => r.v === 'old')).toEqual([]);
    expect(aAfter.every((r) => r.status === 200 && r.v === 'new')).toBe(true);
    // B served its copy only while its lease on the frozen link lasted, then read through (503 while frozen).
    expect(lastRead(bDuring, 'old')).toBeLessThan(BOUND + SLACK);
    expect(bDuring.some((r) => r.status === 503)).toBe(true);
    // Once Redis applied the write, B serves the new value within the bound, and never the old one after.
    expect(lastRead(bAfter, 'old')).toBeLessThan(thawedAt + BOUND);
    expect(bAfter.filter((r) => r.at > thawedAt + BOUND).every((r) => r.status === 200 && r.v === 'new')).toBe(true);
    expect(answeredAt).toBeLessThan(STORE_TIMEOUT + SLACK);
    await bothCaching();
  });

  it('Redis frozen past the bound: the cache is bypassed, so writes answered 503 were not applied (8 of 8)', async () => {
    const cookies = await Promise.all(Array.from({ length: 8 }, (_, i) => login(`user${i}`)));
    for (const cookie of cookies) expect((await write(a, cookie, 'before')).status).toBe(200);
    for (const cookie of cookies) await cachedIn(a, cookie, 'before');

    redis.freeze();
    await sleep(BOUND + 100); // A's lease has run out: its next load goes to (frozen) Redis
    expect(await caching(a)).toBe(false);
    const results = await Promise.all(cookies.map((cookie) => write(a, cookie, 'during')));
    redis.thaw();
    expect(results.map((r) => r.status)).toEqual(cookies.map(() => 503));
    await bothCaching();
    // The load failed before any write was sent: nothing answered 503 was applied later.
    for (const cookie of cookies) {
      expect((await request(b.url).get('/read').set('Cookie', cookie)).body.data.v).toBe('before');
    }
  });

  it('half-open link (B’s invalidation connection black-holed): stale at most the bound, then B reads through, and caches again once the link is back', async () => {
    const cookie = await login('halfopen');
    expect((await write(a, cookie, 'old')).status).toBe(200);
    await cachedIn(b, cookie, 'old');

    proxy.blackhole(); // both sockets stay open; nothing gets through, no FIN, no RST
    const cutAt = performance.now();
    expect((await write(a, cookie, 'new')).status).toBe(200); // A is not affected
    const answeredAt = performance.now() - cutAt;
    const reads = await readFor(b, cookie, BOUND + 800, cutAt);
    // B's copy may be served until its lease ends (at most BOUND after its last answered PING, before the cut)…
    expect(lastRead(reads, 'old')).toBeLessThan(BOUND + SLACK);
    // …and from then on B reads Redis (its commands do not use the black-holed link).
    expect(reads.filter((r) => r.at > BOUND + SLACK).every((r) => r.status === 200 && r.v === 'new')).toBe(true);
    expect(answeredAt).toBeLessThan(BOUND);
    expect(await caching(b)).toBe(false);

    proxy.forward(); // B's link was dropped after the unanswered PINGs; it reconnects through the proxy
    await waitFor('B to cache again', () => caching(b), 10_000);
    await cachedIn(b, cookie, 'new');
    expect((await write(a, cookie, 'newer')).status).toBe(200);
    expect((await request(b.url).get('/read').set('Cookie', cookie)).body.data.v).toBe('newer');
  });

  it('subscriber killed (CLIENT KILL TYPE pubsub) right after a write: B never serves the old value', async () => {
    const cookie = await login('killed');
    expect((await write(a, cookie, 'old')).status).toBe(200);
    await cachedIn(b, cookie, 'old');
    const killed = await redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    expect(Number(killed)).toBeGreaterThanOrEqual(2); // A's and B's tracking connections
    expect((await write(a, cookie, 'new')).status).toBe(200);
    const reads = await readFor(b, cookie, 600, performance.now());
    expect(reads.every((r) => r.status === 200 && r.v === 'new')).toBe(true);
    await bothCaching();
    expect((await write(a, cookie, 'newer')).status).toBe(200);
    expect((await request(b.url).get('/read').set('Cookie', cookie)).body.data.v).toBe('newer');
  });
});
