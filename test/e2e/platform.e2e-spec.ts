import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import fastifyCookie from '@fastify/cookie';
import { Controller, Get, Req, Res, type INestApplication, type Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Server, ServerResponse } from 'node:http';
import request from 'supertest';
import { MemoryStore, Session, SessionModule, type SessionModuleOptions } from '../../lib/index.js';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { FlakyMemoryStore } from '../support/failing-stores.js';
import { createHarness, SECRET, type Harness } from '../support/session-harness.js';
import { LoggedInGuard, TestController } from '../support/test-controller.js';
import { adapterVariants, storeVariants, type AdapterVariant, type StoreVariant } from '../support/variants.js';

/** What Express's `res` and Fastify's `reply` share, plus what only one of them has. */
interface AnyResponse {
  header(name: string, value: string): unknown;
  status(code: number): AnyResponse;
  json?(body: unknown): void;
  send(body: unknown): void;
  hijack?(): void;
  raw?: ServerResponse;
}

function sendJson(res: AnyResponse, status: number, body: unknown): void {
  res.status(status);
  // Express has json(); Fastify's reply serialises objects in send().
  if (typeof res.json === 'function') res.json(body);
  else res.send(body);
}

/** Handlers that take the response into their own hands, in every way Nest allows. */
@Controller('resp')
class ResponseController {
  @Get('passthrough')
  passthrough(@Session() session: Session, @Res({ passthrough: true }) res: AnyResponse): { ok: true } {
    res.header('x-app', 'yes');
    res.header('set-cookie', 'theme=dark; Path=/');
    session.via = 'passthrough';
    return { ok: true };
  }

  @Get('raw')
  raw(@Session() session: Session, @Res() res: AnyResponse): void {
    res.header('x-app', 'yes');
    res.header('set-cookie', 'theme=dark; Path=/');
    session.via = 'raw';
    sendJson(res, 201, { ok: true });
  }

  @Get('raw-async')
  async rawAsync(@Session() session: Session, @Res() res: AnyResponse): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    session.via = 'raw-async';
    sendJson(res, 200, { ok: true });
    // The handler goes on after sending; its promise resolves while the commit may still run.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }

  @Get('node')
  node(@Session() session: Session, @Res() res: AnyResponse): void {
    session.via = 'node';
    // Write through Node's own response (Fastify: after hijacking the reply).
    let raw = res as unknown as ServerResponse;
    if (typeof res.hijack === 'function') {
      res.hijack();
      raw = res.raw!;
    }
    raw.statusCode = 200;
    raw.setHeader('content-type', 'text/plain');
    raw.end('from node');
  }
}

/** A MemoryStore whose writes take a while, like a remote store: the response must still wait for them. */
class SlowMemoryStore extends MemoryStore {
  override async create(...args: Parameters<MemoryStore['create']>): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return super.create(...args);
  }

  override async patch(...args: Parameters<MemoryStore['patch']>): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return super.patch(...args);
  }
}

const slow: StoreVariant = {
  name: 'slow MemoryStore',
  async create() {
    const store = new SlowMemoryStore();
    return { store, cleanup: () => store.close() };
  },
};

const ownedResponseCases = adapterVariants.flatMap((a) =>
  [storeVariants()[0]!, slow].map((s): [string, AdapterVariant, StoreVariant] => [`${a.name} + ${s.name}`, a, s]),
);

describe.each(ownedResponseCases)('responses the handler owns (%s)', (_n, adapter, store) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ adapter, store, controllers: [TestController, ResponseController] });
  });
  afterAll(() => h.close());

  async function via(cookie: string): Promise<unknown> {
    return (await request(h.server).get('/read').set('Cookie', cookie)).body.data.via;
  }

  it('@Res({ passthrough: true }) keeps the session cookie next to the handler’s own headers and cookies', async () => {
    const res = await request(h.server).get('/resp/passthrough');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers['x-app']).toBe('yes');
    expect(setCookies(res)).toContain('theme=dark; Path=/');
    expect(await via(sessionCookie(res)!)).toBe('passthrough');
  });

  it('a raw reply (@Res() then send) carries the cookie, the handler’s status, headers and cookies', async () => {
    const res = await request(h.server).get('/resp/raw');
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers['x-app']).toBe('yes');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(setCookies(res)).toContain('theme=dark; Path=/');
    expect(await via(sessionCookie(res)!)).toBe('raw');
  });

  it('an async handler that sends a raw reply and then goes on keeps the cookie', async () => {
    const res = await request(h.server).get('/resp/raw-async');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(await via(sessionCookie(res)!)).toBe('raw-async');
  });

  it("a handler writing through Node's own response keeps the cookie", async () => {
    const res = await request(h.server).get('/resp/node');
    expect(res.status).toBe(200);
    expect(res.text).toBe('from node');
    expect(await via(sessionCookie(res)!)).toBe('node');
  });

  it('an existing session changed through a raw reply is saved and its cookie re-sent', async () => {
    const agent = request.agent(h.server);
    await agent.post('/set/a').send({ value: 1 });
    const res = await agent.get('/resp/raw');
    expect(sessionCookie(res)).toBeDefined();
    expect((await agent.get('/read')).body.data).toEqual({ a: 1, via: 'raw' });
  });
});

describe.each(adapterVariants.map((a) => [a.name, a] as const))(
  'a raw reply whose session cannot be saved (%s)',
  (_n, adapter) => {
    let h: Harness;
    const store = new FlakyMemoryStore();
    beforeAll(async () => {
      h = await createHarness({
        adapter,
        store: { name: 'flaky', create: async () => ({ store, cleanup: () => store.close() }) },
        controllers: [ResponseController],
      });
    });
    afterAll(() => h.close());

    it.each(['raw', 'node'])('/resp/%s answers 503 with no cookie instead of a false success', async (route) => {
      store.failing.add('create');
      const res = await request(h.server).get(`/resp/${route}`);
      store.failing.clear();
      expect(res.status).toBe(503);
      expect(res.body.statusCode).toBe(503);
      expect(setCookies(res)).toEqual([]);
      expect(res.headers['x-app']).toBeUndefined();
    });
  },
);

/** Apps built with the platform's trust-proxy setting, which only the app (not the module) knows. */
const trustingPlatforms: Array<
  [string, (moduleRef: Awaited<ReturnType<typeof compile>>) => Promise<INestApplication>]
> = [
  [
    'express',
    async (moduleRef) => {
      const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
      app.set('trust proxy', 'loopback');
      await app.init();
      return app;
    },
  ],
  [
    'fastify',
    async (moduleRef) => {
      const app = moduleRef.createNestApplication<NestFastifyApplication>(
        new FastifyAdapter({ trustProxy: '127.0.0.1' }),
        { logger: false },
      );
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      return app;
    },
  ],
];

function compile(options: Partial<SessionModuleOptions>, controllers: Type<unknown>[] = [TestController]) {
  return Test.createTestingModule({
    imports: [SessionModule.forRoot({ secret: SECRET, store: new MemoryStore(), logger: false, ...options })],
    controllers,
    providers: [LoggedInGuard],
  }).compile();
}

describe.each(trustingPlatforms)('behind a trusted proxy (%s)', (_name, create) => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("secure: 'auto' marks the cookie Secure only when the trusted proxy says HTTPS", async () => {
    app = await create(await compile({ cookie: { secure: 'auto' } }));
    const server = app.getHttpServer() as Server;
    expect(setCookies(await request(server).get('/counter'))[0]).not.toMatch(/Secure/);
    const proxied = await request(server).get('/counter').set('X-Forwarded-Proto', 'https');
    expect(setCookies(proxied)[0]).toMatch(/; Secure/);
  });

  it('secure: true sends the cookie over a trusted HTTPS proxy and never over plain HTTP', async () => {
    app = await create(await compile({ cookie: { secure: true } }));
    const server = app.getHttpServer() as Server;
    expect(setCookies(await request(server).get('/counter'))).toEqual([]);
    const proxied = await request(server).get('/counter').set('X-Forwarded-Proto', 'https');
    expect(sessionCookie(proxied)).toBeDefined();
  });

  it('fingerprint: true binds the session to the client IP the proxy reports', async () => {
    app = await create(await compile({ fingerprint: true }));
    const server = app.getHttpServer() as Server;
    const first = await request(server).get('/counter').set('X-Forwarded-For', '203.0.113.7');
    const cookie = sessionCookie(first)!;
    const same = await request(server).get('/counter').set('Cookie', cookie).set('X-Forwarded-For', '203.0.113.7');
    expect(same.body.visits).toBe(2);
    const other = await request(server).get('/counter').set('Cookie', cookie).set('X-Forwarded-For', '198.51.100.9');
    expect(other.body.visits).toBe(1);
  });
});

describe('Fastify without trustProxy', () => {
  const fastify = adapterVariants.find((a) => a.name === 'fastify')!;
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ adapter: fastify, store: storeVariants()[0]!, options: { cookie: { secure: 'auto' } } });
  });
  afterAll(() => h.close());

  it('ignores a spoofed X-Forwarded-Proto', async () => {
    const res = await request(h.server).get('/counter').set('X-Forwarded-Proto', 'https');
    expect(sessionCookie(res)).toBeDefined();
    expect(setCookies(res)[0]).not.toMatch(/Secure/);
  });
});

/** Routes that use @fastify/cookie next to the session. */
@Controller('fc')
class FastifyCookieController {
  @Get('both')
  both(
    @Session() session: Session,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Record<string, unknown> {
    reply.setCookie('theme', 'dark', { path: '/' });
    session.n = ((session.n as number | undefined) ?? 0) + 1;
    return { n: session.n, pluginSees: req.cookies };
  }

  @Get('raw')
  raw(@Session() session: Session, @Res() reply: FastifyReply): void {
    reply.setCookie('theme', 'light', { path: '/' });
    session.raw = true;
    void reply.send({ ok: true });
  }

  @Get('clear')
  clear(@Res({ passthrough: true }) reply: FastifyReply): { ok: true } {
    reply.clearCookie('theme', { path: '/' });
    return { ok: true };
  }
}

describe('Fastify with @fastify/cookie registered too', () => {
  let app: NestFastifyApplication;
  let server: Server;
  beforeAll(async () => {
    const moduleRef = await compile({}, [TestController, FastifyCookieController]);
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    await app.register(fastifyCookie);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    server = app.getHttpServer() as Server;
  });
  afterAll(() => app.close());

  it('sends both cookies, and both are read back: the session by the module, the app cookie by the plugin', async () => {
    const first = await request(server).get('/fc/both');
    expect(first.status).toBe(200);
    const lines = setCookies(first);
    expect(lines.some((c) => c.startsWith('theme=dark; Path=/'))).toBe(true);
    const sid = sessionCookie(first)!;
    expect(sid).toBeDefined();
    const second = await request(server).get('/fc/both').set('Cookie', `theme=dark; ${sid}`);
    expect(second.body.n).toBe(2);
    expect(second.body.pluginSees).toMatchObject({ theme: 'dark' });
  });

  it('a raw reply keeps the plugin cookie and the session cookie', async () => {
    const res = await request(server).get('/fc/raw');
    expect(res.status).toBe(200);
    expect(setCookies(res).some((c) => c.startsWith('theme=light; Path=/'))).toBe(true);
    const sid = sessionCookie(res)!;
    expect((await request(server).get('/read').set('Cookie', sid)).body.data).toEqual({ raw: true });
  });

  it('the core routes work unchanged: login, then logout clears only the session cookie', async () => {
    const agent = request.agent(server);
    expect((await agent.post('/login').send({ userId: 'zoe' })).status).toBe(200);
    expect((await agent.get('/me')).body).toEqual({ userId: 'zoe' });
    const out = await agent.post('/logout');
    const clearing = setCookies(out);
    expect(clearing).toHaveLength(1);
    expect(clearing[0]).toMatch(/^sid=;/);
    expect((await agent.get('/me')).body).toEqual({ userId: null });
  });

  it('a cookie the app clears with the plugin does not touch the session', async () => {
    const agent = request.agent(server);
    await agent.get('/fc/both');
    const res = await agent.get('/fc/clear');
    expect(setCookies(res).every((c) => c.startsWith('theme=;'))).toBe(true);
    expect((await agent.get('/fc/both')).body.n).toBe(2);
  });
});
