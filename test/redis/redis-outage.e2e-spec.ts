import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import request from 'supertest';
import { recommendedRedisOptions, RedisStore } from '../../lib/index.js';
import { sessionCookie } from '../support/cookies.js';
import { freePort, startRedisServer, waitFor, type RedisServer } from '../support/redis-server.js';
import { collectUnhandledRejections, expectUnavailable, recovered, timed } from '../support/outage.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { adapterVariants, type AdapterVariant, type StoreVariant } from '../support/variants.js';

/**
 * Checklist C #36, #37, #39, #42: a private redis-server is SIGKILLed,
 * SIGSTOPped, restarted, or not there at boot, under an app on RedisStore
 * with a client made from `recommendedRedisOptions`. Session routes answer
 * 503 within `storeTimeout` (+ 500 ms of slack), with no Set-Cookie; other
 * routes keep answering; service comes back without restarting the app.
 */

const STORE_TIMEOUT = 1_000;

const unhandled = collectUnhandledRejections();

/** An app on RedisStore over `client`, with the store timeout under test. */
function harnessOn(adapter: AdapterVariant, makeClient: () => Redis): Promise<Harness> {
  const variant: StoreVariant = {
    name: 'RedisStore on a private redis-server',
    async create() {
      // Client and store in one synchronous step: the store's 'error' listener is on before the first event.
      const client = makeClient();
      const store = new RedisStore({ client, prefix: 'outage:' });
      return {
        store,
        async cleanup() {
          if (client.status === 'ready') await client.quit();
          else client.disconnect();
        },
      };
    },
  };
  return createHarness({ adapter, store: variant, options: { storeTimeout: STORE_TIMEOUT } });
}

describe.each(adapterVariants.map((a) => [a.name, a] as const))('Redis outages (%s)', (_name, adapter) => {
  describe('a Redis that dies, hangs and comes back', () => {
    let server: RedisServer;
    let h: Harness;
    let cookie: string;

    beforeAll(async () => {
      server = await startRedisServer();
      h = await harnessOn(adapter, () => new Redis(server.url, recommendedRedisOptions));
      await waitFor('the client to be ready', async () => (await recovered(h.server)).status === 200);
    });

    afterAll(async () => {
      await h?.close();
      await server?.stop();
    });

    it('serves sessions while Redis is up', async () => {
      const first = await request(h.server).get('/counter');
      expect(first.body.visits).toBe(1);
      cookie = sessionCookie(first)!;
      expect((await request(h.server).get('/counter').set('Cookie', cookie)).body.visits).toBe(2);
    });

    it('#36 SIGKILL: session routes get a 503 in time and no Set-Cookie; other routes answer 200', async () => {
      await server.kill();
      expectUnavailable(await timed(() => request(h.server).get('/counter').set('Cookie', cookie)), 'a known session');
      expectUnavailable(await timed(() => request(h.server).get('/counter')), 'a new visitor');
      expectUnavailable(
        await timed(() => request(h.server).post('/set/x').set('Cookie', cookie).send({ value: 1 })),
        'a write',
      );
      expectUnavailable(await timed(() => request(h.server).post('/login').send({ userId: 'ann' })), 'a login');
      // Ten at once: each fails fast, none waits in a queue.
      const burst = await Promise.all(
        Array.from({ length: 10 }, () => timed(() => request(h.server).get('/counter').set('Cookie', cookie))),
      );
      burst.forEach((r, i) => expectUnavailable(r, `burst request ${i}`));
      const anon = await request(h.server).get('/anon');
      expect(anon.status).toBe(200);
      expect(anon.body).toEqual({ ok: true });
    });

    it('#42 restarted on the same port: sessions are served again without restarting the app', async () => {
      await server.restart();
      const again = await recovered(h.server);
      expect(again.body.visits).toBe(1);
      const next = await request(h.server).get('/counter').set('Cookie', sessionCookie(again)!);
      expect(next.body.visits).toBe(2);
      // The restarted server kept nothing (no persistence): the old cookie starts a fresh session, never adopted.
      const old = await request(h.server).get('/counter').set('Cookie', cookie);
      expect(old.body.visits).toBe(1);
      expect(sessionCookie(old)).not.toBe(cookie);
      cookie = sessionCookie(next) ?? sessionCookie(again)!;
    });

    it('#37 SIGSTOP (hung server): a known session gets a 503 in time; after SIGCONT it continues', async () => {
      const before = (await request(h.server).get('/counter').set('Cookie', cookie)).body.visits as number;
      server.freeze();
      try {
        const stuck = await Promise.all([
          timed(() => request(h.server).get('/counter').set('Cookie', cookie)),
          timed(() => request(h.server).post('/set/x').set('Cookie', cookie).send({ value: 1 })),
        ]);
        stuck.forEach((r, i) => expectUnavailable(r, `request ${i} (its load hangs)`));
        expect((await request(h.server).get('/anon')).status).toBe(200);
      } finally {
        server.thaw();
      }
      const back = await recovered(h.server, cookie);
      // The session survived the freeze; what the hung requests would have written is not there.
      expect(back.body.visits).toBe(before + 1);
      expect((await request(h.server).get('/read').set('Cookie', cookie)).body.data).toEqual({ visits: before + 1 });
    });

    it('#37 SIGSTOP (hung server): a new visitor, whose first save hangs, gets a 503 in time', async () => {
      server.freeze();
      try {
        expectUnavailable(await timed(() => request(h.server).get('/counter')), 'a new visitor (its create hangs)');
      } finally {
        server.thaw();
      }
      expect((await recovered(h.server)).body.visits).toBe(1);
    });

    it('raised no unhandled rejection', () => {
      expect(unhandled).toEqual([]);
    });
  });

  describe('#39 Redis unavailable at boot', () => {
    let port: number;
    let server: RedisServer | undefined;
    let h: Harness;

    beforeAll(async () => {
      port = await freePort(); // nothing listens here yet
      h = await harnessOn(adapter, () => new Redis(`redis://127.0.0.1:${port}`, recommendedRedisOptions));
    });

    afterAll(async () => {
      await h?.close();
      await server?.stop();
    });

    it('the app starts (degraded): session routes get a 503 in time, other routes answer 200', async () => {
      expectUnavailable(await timed(() => request(h.server).get('/counter')), 'a new visitor');
      expectUnavailable(await timed(() => request(h.server).post('/set/x').send({ value: 1 })), 'a write');
      expect((await request(h.server).get('/anon')).status).toBe(200);
    });

    it('serves sessions once Redis comes up, without restarting the app', async () => {
      server = await startRedisServer({ port });
      const first = await recovered(h.server);
      expect(first.body.visits).toBe(1);
      const second = await request(h.server).get('/counter').set('Cookie', sessionCookie(first)!);
      expect(second.body.visits).toBe(2);
    });

    it('raised no unhandled rejection', () => {
      expect(unhandled).toEqual([]);
    });
  });
});
