import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import request, { type Response } from 'supertest';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { ExpressStoreAdapter, RedisStore, type SessionModuleOptions } from '../../lib/index.js';
import { sessionCookie, setCookies, tokenOf } from '../support/cookies.js';
import { connectRedis, deleteByPrefix, uniquePrefix } from '../support/redis.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { TestController } from '../support/test-controller.js';
import { TokenController } from '../support/token-controller.js';
import { adapterVariants, type AdapterVariant, type StoreVariant } from '../support/variants.js';
import { storedFields, writeV1Session } from '../support/redis-layouts.js';

/**
 * What RedisStore leaves in a real Redis when a Nest app runs on it: no
 * token in any key or value, TTLs that follow `maxAge`, and one entry per
 * key so concurrent writes all land; sessions of the previous layout live on.
 */

const MAX_AGE = 60_000;

let client: Redis;

beforeAll(async () => {
  client = await connectRedis();
});

afterAll(async () => {
  await client.quit();
});

interface RedisHarness extends Harness {
  prefix: string;
  /** The Redis key of a session, from its public id. */
  keyOf(id: string): string;
}

/** An app on RedisStore (shared Redis, a prefix of its own, deleted on close), with the test and token routes. */
async function redisHarness(adapter: AdapterVariant, options: Partial<SessionModuleOptions>): Promise<RedisHarness> {
  const prefix = uniquePrefix('redis-e2e');
  const variant: StoreVariant = {
    name: 'RedisStore',
    async create() {
      return { store: new RedisStore({ client, prefix }), cleanup: () => deleteByPrefix(client, prefix) };
    },
  };
  const h = await createHarness({ adapter, store: variant, options, controllers: [TestController, TokenController] });
  return { ...h, prefix, keyOf: (id) => `${prefix}{${id}}` };
}

/** Every key under a prefix with everything it holds, as text (SCAN, then HGETALL / ZRANGE / GET by type). */
async function dump(prefix: string): Promise<Array<{ key: string; type: string; content: string[] }>> {
  const out: Array<{ key: string; type: string; content: string[] }> = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    for (const key of keys) {
      const type = await client.type(key);
      let content: string[];
      if (type === 'hash') content = Object.entries(await client.hgetall(key)).flat();
      else if (type === 'zset') content = await client.zrange(key, '0', '-1', 'WITHSCORES');
      else if (type === 'string') content = [(await client.get(key)) ?? ''];
      else content = [`<${type}>`];
      out.push({ key, type, content });
    }
    cursor = next;
  } while (cursor !== '0');
  return out;
}

/** Tokens of every session cookie a response set (cleared cookies have none). */
function cookieTokens(res: Response): string[] {
  return setCookies(res)
    .filter((line) => line.startsWith('sid='))
    .map((line) => tokenOf(line.split(';')[0]!))
    .filter((token) => token.length > 0);
}

describe.each(adapterVariants.map((a) => [a.name, a] as const))('RedisStore in Redis (%s)', (_name, adapter) => {
  describe(`maxAge ${MAX_AGE} with the default touchAfter`, () => {
    let h: RedisHarness;
    beforeAll(async () => {
      h = await redisHarness(adapter, { maxAge: MAX_AGE, transport: ['cookie', 'header'] });
    });
    afterAll(() => h.close());

    it('#19 after a whole lifecycle, no token and no secret id appears in any Redis key or value', async () => {
      const issued: string[] = [];
      const agent = request.agent(h.server);
      const track = (res: Response) => {
        expect(res.status).toBeLessThan(400);
        issued.push(...cookieTokens(res));
        const header = res.headers['x-session-token'];
        if (typeof header === 'string') issued.push(header);
        return res;
      };
      track(await agent.get('/counter'));
      const anonId = track(await agent.get('/counter')).body.id as string;
      track(await agent.post('/set/cart').send({ value: ['book'] }));
      const login = track(await agent.post('/login').send({ userId: 'dana' }));
      track(await agent.post('/set/theme').send({ value: 'dark' }));
      track(await agent.get('/me'));
      // A second device of the same user, and a token for an API client of hers.
      track(await request.agent(h.server).post('/login').send({ userId: 'dana' }));
      const apiToken = (
        track(await request(h.server).post('/api/token').send({ userId: 'dana' })).body as { token: string }
      ).token;
      issued.push(apiToken);
      const viaHeader = track(await request(h.server).get('/counter').set('x-session-token', apiToken));
      expect(viaHeader.body.visits).toBe(1);
      expect((track(await agent.get('/devices')).body as unknown[]).length).toBe(3);
      expect(issued.length).toBeGreaterThanOrEqual(4);

      const entries = await dump(h.prefix);
      // The dump is not trivially empty: the logged-in session's text and the owner index are there.
      expect(entries.some((e) => e.key === h.keyOf(login.body.id as string) && e.type === 'string')).toBe(true);
      expect(entries.some((e) => e.type === 'zset')).toBe(true);
      // The pre-login session was destroyed by regenerate.
      expect(entries.some((e) => e.key === h.keyOf(anonId))).toBe(false);

      const text = entries.map((e) => [e.key, ...e.content].join('\n')).join('\n');
      expect(text).toContain('dana'); // the data is there…
      for (const token of new Set(issued)) {
        const [secretId, mac] = token.split('.') as [string, string];
        expect(secretId.length).toBeGreaterThanOrEqual(22);
        expect(text).not.toContain(token); // …but no token,
        expect(text).not.toContain(secretId); // no secret id,
        expect(text).not.toContain(mac); // and no signature.
      }
    });

    it('a saved session lives maxAge in Redis: PTTL within 1 s of it', async () => {
      const res = await request(h.server).get('/counter');
      const pttl = await client.pttl(h.keyOf(res.body.id as string));
      expect(pttl).toBeGreaterThan(MAX_AGE - 1_000);
      expect(pttl).toBeLessThanOrEqual(MAX_AGE);
    });

    it('an unchanged read within touchAfter writes nothing to Redis (the TTL is left alone)', async () => {
      const agent = request.agent(h.server);
      const id = (await agent.get('/counter')).body.id as string;
      await client.pexpire(h.keyOf(id), 5_000); // as if time had passed
      expect((await agent.get('/read')).status).toBe(200);
      expect(await client.pttl(h.keyOf(id))).toBeLessThanOrEqual(5_000);
    });

    it('keeps all 50 keys written by 50 concurrent requests on one session as 50 entries of its text', async () => {
      const first = await request(h.server).post('/set/seed').send({ value: 0 });
      const cookie = sessionCookie(first)!;
      const id = (await request(h.server).get('/read').set('Cookie', cookie)).body.id as string;
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          request(h.server)
            .post(`/set/k${i}?delay=${(i * 7) % 25}`)
            .set('Cookie', cookie)
            .send({ value: i }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(200));
      const fields = await storedFields(client, h.keyOf(id));
      for (let i = 0; i < 50; i++) expect(fields[`k${i}`]).toBe(String(i));
      expect(fields.seed).toBe('0');
      expect(Object.keys(fields)).toHaveLength(51);
    });

    it('a session stored by 0.1 (v1 layout, a hash) stays logged in after the upgrade; its next write converts it', async () => {
      const agent = request.agent(h.server);
      const id = (await agent.post('/login').send({ userId: 'erin' })).body.id as string;
      expect((await agent.post('/set/cart').send({ value: ['pen'] })).status).toBe(200);
      const stored = (await h.store.get(id))!;
      await writeV1Session(client, h.prefix, id, stored, MAX_AGE);
      expect(await client.type(h.keyOf(id))).toBe('hash');
      expect((await agent.get('/me')).body.userId).toBe('erin');
      expect((await agent.post('/set/theme').send({ value: 'dark' })).status).toBe(200);
      expect(await client.type(h.keyOf(id))).toBe('string');
      expect((await agent.get('/read')).body.data).toMatchObject({ userId: 'erin', cart: ['pen'], theme: 'dark' });
      expect(((await agent.get('/devices')).body as unknown[]).length).toBe(1);
    });
  });

  describe('touch refreshes the TTL', () => {
    let eager: RedisHarness;
    let rolling: RedisHarness;
    beforeAll(async () => {
      eager = await redisHarness(adapter, { maxAge: MAX_AGE, touchAfter: 0 });
      rolling = await redisHarness(adapter, { maxAge: MAX_AGE, rolling: true });
    });
    afterAll(async () => {
      await eager.close();
      await rolling.close();
    });

    it.each([
      ['touchAfter: 0', () => eager],
      ['rolling', () => rolling],
    ])('with %s, an unchanged read pushes PTTL back to maxAge', async (_label, harness) => {
      const h = harness();
      const agent = request.agent(h.server);
      const id = (await agent.get('/counter')).body.id as string;
      await client.pexpire(h.keyOf(id), 5_000); // as if 55 s had passed
      const read = await agent.get('/read');
      expect(read.body.data).toEqual({ visits: 1 });
      const pttl = await client.pttl(h.keyOf(id));
      expect(pttl).toBeGreaterThan(MAX_AGE - 1_000);
      expect(pttl).toBeLessThanOrEqual(MAX_AGE);
      // The data written before is intact.
      expect((await storedFields(client, h.keyOf(id))).visits).toBe('1');
    });

    it('with rolling, the refreshed session also re-sends its cookie', async () => {
      const agent = request.agent(rolling.server);
      await agent.get('/counter');
      expect(sessionCookie(await agent.get('/read'))).toBeDefined();
    });
  });

  describe('maxAge: 0 (never expires)', () => {
    let h: RedisHarness;
    beforeAll(async () => {
      h = await redisHarness(adapter, { maxAge: 0 });
    });
    afterAll(() => h.close());

    it('leaves the session and its owner index without a TTL (PTTL -1)', async () => {
      const agent = request.agent(h.server);
      const id = (await agent.get('/counter')).body.id as string;
      expect(await client.pttl(h.keyOf(id))).toBe(-1);
      const login = await agent.post('/login').send({ userId: 'erin' });
      expect(await client.pttl(h.keyOf(login.body.id as string))).toBe(-1);
      const indexes = (await dump(h.prefix)).filter((e) => e.type === 'zset');
      expect(indexes).toHaveLength(1);
      expect(await client.pttl(indexes[0]!.key)).toBe(-1);
      expect((await agent.get('/me')).body).toEqual({ userId: 'erin' });
    });
  });
});

/** The caveats the README states for ExpressStoreAdapter, pinned on connect-redis. */
describe('connect-redis through ExpressStoreAdapter: TTLs', () => {
  async function adapterHarness(options: Partial<SessionModuleOptions>) {
    const prefix = uniquePrefix('adapter-ttl');
    const variant: StoreVariant = {
      name: 'connect-redis via ExpressStoreAdapter',
      async create() {
        const store = new ExpressStoreAdapter(new ConnectRedisStore({ client, prefix }));
        return { store, cleanup: () => deleteByPrefix(client, prefix) };
      },
    };
    const h = await createHarness({ adapter: adapterVariants[0]!, store: variant, options });
    return { h, prefix };
  }

  it('the wrapped store takes its TTL from cookie.expires: about maxAge, in whole seconds', async () => {
    const { h, prefix } = await adapterHarness({ maxAge: MAX_AGE });
    try {
      const id = (await request(h.server).get('/counter')).body.id as string;
      const ttl = await client.ttl(`${prefix}${id}`);
      expect(ttl).toBeGreaterThanOrEqual(MAX_AGE / 1_000 - 1);
      expect(ttl).toBeLessThanOrEqual(MAX_AGE / 1_000);
    } finally {
      await h.close();
    }
  });

  it("with maxAge: 0 the wrapped store applies its own default TTL (connect-redis: one day), not 'never'", async () => {
    const { h, prefix } = await adapterHarness({ maxAge: 0 });
    try {
      const agent = request.agent(h.server);
      const id = (await agent.get('/counter')).body.id as string;
      const ttl = await client.ttl(`${prefix}${id}`);
      expect(ttl).toBeGreaterThan(86_400 - 10);
      expect(ttl).toBeLessThanOrEqual(86_400);
      expect((await agent.get('/counter')).body.visits).toBe(2);
    } finally {
      await h.close();
    }
  });
});
