import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { sessionCookie } from '../support/cookies.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

/**
 * Sum of `calls=` over INFO commandstats, but for PING (each process's
 * invalidation links are PINGed a few times a second) and INFO itself.
 */
async function commandCount(redis: RedisServer): Promise<number> {
  const info = String(await redis.command('INFO', 'commandstats'));
  return [...info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)]
    .filter(([, name]) => name !== 'ping' && name !== 'info')
    .reduce((sum, m) => sum + Number(m[2]), 0);
}

async function until(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; !(await check());) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Three real Node processes (A, B, C), each a Nest app with
 * CachedStore(RedisStore), share one private redis-server.
 */
describe('CachedStore across processes', () => {
  let redis: RedisServer;
  let a: AppProcess;
  let b: AppProcess;
  let c: AppProcess;
  const caching = async (p: AppProcess): Promise<boolean> => (await request(p.url).get('/cache')).body.caching === true;

  beforeAll(async () => {
    redis = await startRedisServer();
    const env = { REDIS_URL: redis.url, SESSION_PREFIX: 'mp:' };
    [a, b, c] = await Promise.all([0, 1, 2].map(() => startAppProcess('test/fixtures/cached-app/main.js', env)));
    for (const p of [a, b, c]) await until(() => caching(p));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a, b, c].map((p) => p?.stop()));
    await redis?.stop();
  });

  async function login(user: string): Promise<string> {
    const res = await request(a.url).post('/login').send({ userId: user });
    expect(res.status).toBe(200);
    return sessionCookie(res)!;
  }

  it('#56 A writes; B and C read the new value right after A answered; A destroys; B and C see no session', async () => {
    const cookie = await login('ada');
    // B and C cache the session.
    for (const p of [b, c]) {
      expect((await request(p.url).get('/read').set('Cookie', cookie)).body.data.userId).toBe('ada');
      expect((await request(p.url).get('/read').set('Cookie', cookie)).body.data.userId).toBe('ada');
    }
    expect((await request(b.url).get('/cache')).body.hits).toBeGreaterThan(0);

    for (let n = 1; n <= 5; n++) {
      await request(a.url).post('/write').set('Cookie', cookie).send({ n }).expect(200);
      for (const p of [b, c]) expect((await request(p.url).get('/read').set('Cookie', cookie)).body.data.n).toBe(n);
    }

    await request(a.url).post('/logout').set('Cookie', cookie).expect(200);
    for (const p of [b, c]) {
      const res = await request(p.url).get('/read').set('Cookie', cookie);
      expect(res.body.isNew).toBe(true);
      expect(res.body.data.userId).toBeUndefined();
    }
  });

  it('a cached read of an unchanged session sends Redis no command at all', async () => {
    const cookie = await login('grace');
    await request(b.url).get('/read').set('Cookie', cookie).expect(200); // loads and caches
    const before = await commandCount(redis);
    for (let i = 0; i < 20; i++) {
      expect((await request(b.url).get('/read').set('Cookie', cookie)).body.data.userId).toBe('grace');
    }
    expect((await commandCount(redis)) - before).toBe(0);
  });

  it('#67 #68 B never serves the old value while its subscriber is cut (CLIENT KILL TYPE pubsub), and caches again after', async () => {
    const cookie = await login('linus');
    await request(a.url).post('/write').set('Cookie', cookie).send({ v: 'old' }).expect(200);
    expect((await request(b.url).get('/read').set('Cookie', cookie)).body.data.v).toBe('old');
    expect((await request(b.url).get('/read').set('Cookie', cookie)).body.data.v).toBe('old'); // a cache hit

    await redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // A changes the session while B's subscriber is down: B misses this invalidation.
    await request(a.url).post('/write').set('Cookie', cookie).send({ v: 'new' }).expect(200);
    for (let i = 0; i < 10; i++) {
      expect((await request(b.url).get('/read').set('Cookie', cookie)).body.data.v).toBe('new');
    }

    // Once resubscribed, B caches again, starting empty, and keeps hearing A.
    await until(() => caching(b));
    expect((await request(b.url).get('/read').set('Cookie', cookie)).body.data.v).toBe('new');
    await request(a.url).post('/write').set('Cookie', cookie).send({ v: 'newer' }).expect(200);
    expect((await request(b.url).get('/read').set('Cookie', cookie)).body.data.v).toBe('newer');
  });
});
