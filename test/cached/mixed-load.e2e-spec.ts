import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { runMixedLoad } from '../../bench/mixed/load.js';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { sessionCookie } from '../support/cookies.js';
import { startRedisServer, waitFor, type RedisServer } from '../support/redis-server.js';

/**
 * The load of `npm run bench:cached` (bench/mixed), bounded and checked for
 * correctness only (its speed is the benchmark's business): a CachedStore
 * process and a RedisStore process share one Redis and the same sessions;
 * under mixed load on each in turn, every request succeeds, and afterwards
 * both processes read the same value of every session.
 */
describe('mixed load on CachedStore and RedisStore sharing sessions', () => {
  let redis: RedisServer;
  let cached: AppProcess;
  let plain: AppProcess;
  const cookies: string[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, SESSION_PREFIX: 'mix:' };
    [cached, plain] = await Promise.all([
      startAppProcess('test/fixtures/cached-app/main.js', env),
      startAppProcess('test/fixtures/cached-app/main.js', { ...env, STORE: 'redis' }),
    ]);
    await waitFor('the cache to be live', async () => (await request(cached.url).get('/cache')).body.caching === true);
    for (let i = 0; i < 200; i++) {
      const res = await request(cached.url)
        .post('/login')
        .send({ userId: `load${i}` });
      cookies.push(sessionCookie(res)!);
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all([cached, plain].map((p) => p?.stop()));
    await redis?.stop();
  });

  it('every request succeeds on both, and both then read the same value of every session', async () => {
    for (const app of [cached, plain, cached]) {
      const result = await runMixedLoad({ url: app.url, cookies, durationSec: 1, connections: 10, writeShare: 0.2 });
      expect(result.requests).toBeGreaterThan(100);
      expect({ non2xx: result.non2xx, errors: result.errors }).toEqual({ non2xx: 0, errors: 0 });
    }
    // The RedisStore process wrote last to many of them: the cached process must have heard of it.
    for (let i = 0; i < cookies.length; i++) {
      const cookie = cookies[i]!;
      if (i % 2 === 0)
        await request(plain.url)
          .post('/write')
          .set('Cookie', cookie)
          .send({ v: `final${i}` });
      const [viaCache, viaRedis] = await Promise.all(
        [cached, plain].map(async (app) => (await request(app.url).get('/read').set('Cookie', cookie)).body.data),
      );
      expect(viaCache).toEqual(viaRedis);
      if (i % 2 === 0) expect(viaCache.v).toBe(`final${i}`);
    }
    expect((await request(cached.url).get('/cache')).body.hits).toBeGreaterThan(0); // it did serve from memory
  }, 30_000);
});
