import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { startAppProcess, type AppProcess } from '../support/app-process.js';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { connectRedis, deleteByPrefix, uniquePrefix } from '../support/redis.js';

/**
 * One behaviour in every configuration. The app (test/fixtures/behaviour-app,
 * compiled with tsc by `pretest`, as users build) runs in a process of its
 * own per configuration × platform × store, and every cell must answer the
 * same: sessions in wrapped, inherited, request-scoped and plain handlers,
 * saved when the handler throws, before `@Res()`, `@Redirect()` and
 * `StreamableFile` answers, with the changes of the app's own interceptors
 * after the handler, and a failed commit rendered by the app's exception
 * filter.
 */

const CONFIGURATIONS = ['plain', 'service', 'rolling', 'context', 'early'] as const;
const PLATFORMS = ['express', 'fastify'] as const;
const STORES = ['memory', 'redis', 'cached', 'connect-redis'] as const;

const cells = CONFIGURATIONS.flatMap((configuration) =>
  PLATFORMS.flatMap((platform) => STORES.map((store) => [configuration, platform, store] as const)),
);

describe.each(cells)('behaviour (%s, %s, %s)', (configuration, platform, store) => {
  let app: AppProcess;
  const prefix = uniquePrefix(`behaviour-${configuration}-${platform}-${store}`);

  beforeAll(async () => {
    app = await startAppProcess('test/fixtures/behaviour-app/main.js', {
      CONFIGURATION: configuration,
      PLATFORM: platform,
      STORE: store,
      SESSION_PREFIX: prefix,
    });
  });

  afterAll(async () => {
    await app.stop();
    if (store === 'memory') return;
    const client = await connectRedis();
    await deleteByPrefix(client, prefix);
    await client.quit();
  });

  it('runs on the Nest line of this run', async () => {
    const { version } = (await request(app.url).get('/test/nest').expect(200)).body as { version: string };
    expect(version.split('.')[0]).toBe(process.env.NEST_LINE ?? '12');
  });

  async function login(): Promise<string> {
    const cookie = sessionCookie(await request(app.url).post('/login').expect(200));
    expect(cookie).toBeDefined();
    return cookie!;
  }

  async function data(cookie: string): Promise<Record<string, unknown>> {
    return (await request(app.url).get('/read').set('Cookie', cookie).expect(200)).body.data;
  }

  it.each([
    'counter/anonymous',
    'counter/named',
    'counter/copying',
    'counter/plain',
    'inherited/count',
    'only-wrapped/a',
    'only-wrapped/b',
    'scoped/count',
  ])('counts 1, 2, 3 with one cookie on %s', async (route) => {
    const first = await request(app.url).get(`/${route}`).expect(200, { count: 1 });
    const cookie = sessionCookie(first);
    expect(cookie).toBeDefined();
    await request(app.url).get(`/${route}`).set('Cookie', cookie!).expect(200, { count: 2 });
    await request(app.url).get(`/${route}`).set('Cookie', cookie!).expect(200, { count: 3 });
    await request(app.url).get('/counter/key').set('Cookie', cookie!).expect(200, { count: 3 });
  });

  it('loads the session only where asked: a route without it sets no cookie', async () => {
    const cookie = await login();
    expect(await data(cookie)).toEqual({ userId: 'u1' });
    const anon = await request(app.url).get('/anon').expect(200);
    expect(setCookies(anon)).toEqual([]);
    const fresh = await request(app.url).get('/read').expect(200);
    expect(fresh.body.isNew).toBe(true);
    expect(sessionCookie(fresh)).toBeUndefined();
  });

  it('saves what the handler changed before it threw, with the cookie on the error', async () => {
    const res = await request(app.url).get('/throws').expect(400);
    expect(await data(sessionCookie(res)!)).toEqual({ threw: true });
  });

  it('saves before a @Res() answer', async () => {
    const res = await request(app.url).get('/raw').expect(200, { raw: true });
    expect(await data(sessionCookie(res)!)).toEqual({ raw: true });
  });

  it('saves before a @Redirect(): Location and Set-Cookie', async () => {
    const res = await request(app.url).get('/go').expect(302);
    expect(res.headers.location).toBe('/read');
    expect(await data(sessionCookie(res)!)).toEqual({ went: true });
  });

  it('saves before a StreamableFile, body intact', async () => {
    const res = await request(app.url).get('/file').buffer(true).expect(200);
    expect(Buffer.isBuffer(res.body) ? res.body.toString() : res.text).toBe('file body');
    expect(await data(sessionCookie(res)!)).toEqual({ file: true });
  });

  it("saves what the app's interceptors change after the handler (APP_INTERCEPTOR and @UseInterceptors)", async () => {
    const cookie = await login();
    await request(app.url).get('/intercepted').set('Cookie', cookie).expect(200);
    expect(await data(cookie)).toEqual({ userId: 'u1', handler: true, afterLocal: true, afterGlobal: true });
  });

  it("a failed commit reaches the app's exception filter, with no cookie; the app recovers", async () => {
    await request(app.url).post('/test/store?down=1').expect(200);
    try {
      for (const route of ['/login', '/file']) {
        const res = await (route === '/login' ? request(app.url).post(route) : request(app.url).get(route)).expect(503);
        expect(res.headers['content-type']).toMatch(/text\/html/);
        expect(res.text).toBe('<h1>Back soon</h1>');
        expect(sessionCookie(res)).toBeUndefined();
      }
      // A @Res() answer is on its way when the commit fails, and an exception filter
      // does not await its reply: the store's 503, directly, instead of a false answer.
      for (const route of ['/raw', '/throws']) {
        const res = await request(app.url).get(route).expect(503);
        expect(res.body.statusCode).toBe(503);
        expect(sessionCookie(res)).toBeUndefined();
      }
    } finally {
      await request(app.url).post('/test/store?down=0').expect(200);
    }
    expect(await data(await login())).toEqual({ userId: 'u1' });
  });

  if (configuration !== 'plain') {
    it('a middleware load(req) gives the handler req.session, and its change is saved', async () => {
      const first = await request(app.url).get('/service/middleware').expect(200, { defined: true, seen: 1 });
      const cookie = sessionCookie(first)!;
      expect(cookie).toBeDefined();
      await request(app.url).get('/service/middleware').set('Cookie', cookie).expect(200, { defined: true, seen: 2 });
    });

    it('a guard with load(ctx) admits after login, and shares the load with @Session()', async () => {
      await request(app.url).get('/service/guarded').expect(403);
      const cookie = await login();
      await request(app.url).get('/service/guarded').set('Cookie', cookie).expect(200, { userId: 'u1' });
    });

    it('SessionService.regenerate(session) issues a new cookie; the old one is dead', async () => {
      const cookie = await login();
      const res = await request(app.url).post('/service/regenerate').set('Cookie', cookie).expect(200);
      const renewed = sessionCookie(res)!;
      expect(renewed).not.toBe(cookie);
      expect(await data(renewed)).toEqual({ userId: 'u1', regenerated: true });
      expect(await data(cookie)).toEqual({});
    });
  }

  if (configuration === 'context') {
    it('SessionService without a session argument acts on the current request', async () => {
      const cookie = await login();
      await request(app.url).post('/context/mark').set('Cookie', cookie).expect(200);
      expect(await data(cookie)).toEqual({ userId: 'u1', viaContext: true });
    });
  }
});
