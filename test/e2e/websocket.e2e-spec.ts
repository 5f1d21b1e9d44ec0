import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import request from 'supertest';
import { MemoryStore, SessionModule, type SessionModuleOptions } from '../../lib/index.js';
import { sessionCookie, tokenOf } from '../support/cookies.js';
import { SECRET } from '../support/session-harness.js';
import { LoggedInGuard, TestController } from '../support/test-controller.js';
import { adapterVariants, type AdapterVariant } from '../support/variants.js';
import { SessionGateway, WsLoggedInGuard, wsVariants, type TestSocket, type WsVariant } from '../support/websocket.js';

interface GatewayApp {
  app: INestApplication;
  server: Server;
  store: MemoryStore;
  warn: jest.Mock<(message: unknown) => void>;
  connect(headers?: Record<string, string>): Promise<TestSocket>;
  close(): Promise<void>;
}

/** The test controller and the session gateway on one listening app. */
async function startGatewayApp(
  adapter: AdapterVariant,
  wsVariant: WsVariant,
  options: Partial<SessionModuleOptions> = {},
): Promise<GatewayApp> {
  const store = new MemoryStore();
  const warn = jest.fn<(message: unknown) => void>();
  const logger: LoggerService = { log: () => undefined, error: () => undefined, warn };
  const moduleRef = await Test.createTestingModule({
    imports: [SessionModule.forRoot({ secret: SECRET, store, logger, requestContext: true, ...options })],
    controllers: [TestController],
    providers: [LoggedInGuard, SessionGateway, WsLoggedInGuard],
  }).compile();
  const app = await adapter.create(moduleRef);
  app.useWebSocketAdapter(wsVariant.adapter(app));
  await app.listen(0, '127.0.0.1');
  const server = app.getHttpServer() as Server;
  const port = (server.address() as AddressInfo).port;
  const sockets: TestSocket[] = [];
  return {
    app,
    server,
    store,
    warn,
    async connect(headers = {}) {
      const socket = await wsVariant.connect(port, headers);
      sockets.push(socket);
      return socket;
    },
    async close() {
      await Promise.all(sockets.map((s) => s.close()));
      await app.close();
      await store.close();
    },
  };
}

const combos = adapterVariants.flatMap((a) =>
  wsVariants.map((w): [string, AdapterVariant, WsVariant] => [`${a.name} + ${w.name}`, a, w]),
);

describe.each(combos)('WebSocket gateways (%s)', (_name, adapter, wsVariant) => {
  let g: GatewayApp;
  beforeAll(async () => {
    g = await startGatewayApp(adapter, wsVariant);
  });
  afterAll(() => g.close());
  afterEach(() => {
    jest.restoreAllMocks();
    g.warn.mockClear();
  });

  /** Log in over HTTP; resolves to the session cookie (`sid=...`). */
  async function login(userId: string): Promise<string> {
    const res = await request(g.server).post('/login').send({ userId });
    expect(res.status).toBe(200);
    return sessionCookie(res)!;
  }

  it('an HTTP login, then a socket message reads userId and another changes it; the next HTTP request sees it', async () => {
    const cookie = await login('alice');
    const socket = await g.connect({ cookie });
    expect(await socket.call('whoami')).toMatchObject({ userId: 'alice' });
    expect(await socket.call('set', { key: 'userId', value: 'bob' })).toMatchObject({ ok: true });
    const me = await request(g.server).get('/me').set('Cookie', cookie);
    expect(me.body).toEqual({ userId: 'bob' });
    expect(await socket.call('whoami')).toMatchObject({ userId: 'bob' });
  });

  it('loads the session afresh for every message: an HTTP change made while the socket is open is seen', async () => {
    const cookie = await login('carol');
    const socket = await g.connect({ cookie });
    expect(await socket.call('whoami')).toMatchObject({ userId: 'carol' });
    await request(g.server).post('/set/userId').set('Cookie', cookie).send({ value: 'dave' });
    expect(await socket.call('whoami')).toMatchObject({ userId: 'dave' });
  });

  it('keeps the change of every one of 20 concurrent messages on one socket', async () => {
    const cookie = await login('erin');
    const socket = await g.connect({ cookie });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => socket.call('set', { key: `k${i}`, value: i, delay: (i * 7) % 30 })),
    );
    expect(replies.every((r) => r.ok === true)).toBe(true);
    const data = (await request(g.server).get('/read').set('Cookie', cookie)).body.data as Record<string, unknown>;
    for (let i = 0; i < 20; i++) expect(data[`k${i}`]).toBe(i);
    expect(data.userId).toBe('erin');
  });

  it('lets a guard read the session with SessionService.load(ctx), sharing one load with the handler', async () => {
    const cookie = await login('frank');
    const socket = await g.connect({ cookie });
    const get = jest.spyOn(g.store, 'get');
    expect(await socket.call('guarded')).toMatchObject({ userId: 'frank' });
    expect(get).toHaveBeenCalledTimes(1);
  });

  it('finds the message session in SessionService calls made without an argument', async () => {
    const cookie = await login('grace');
    const socket = await g.connect({ cookie });
    expect(await socket.call('via-service')).toMatchObject({ ok: true });
    const data = (await request(g.server).get('/read').set('Cookie', cookie)).body.data as Record<string, unknown>;
    expect(data).toEqual({ userId: 'grace', viaService: true });
  });

  it('makes no store call for a message whose handler does not use the session', async () => {
    const cookie = await login('heidi');
    const socket = await g.connect({ cookie });
    const get = jest.spyOn(g.store, 'get');
    expect(await socket.call('ping')).toMatchObject({ pong: true });
    expect(get).not.toHaveBeenCalled();
  });

  it('gives a socket without a session cookie a new session that is never stored, and says why', async () => {
    const socket = await g.connect();
    const before = await g.store.length();
    expect(await socket.call('whoami')).toMatchObject({ userId: null });
    expect(await socket.call('set', { key: 'userId', value: 'mallory' })).toMatchObject({ ok: true });
    expect(await g.store.length()).toBe(before);
    expect(await socket.call('read')).toMatchObject({ isNew: true, data: {} });
    expect(g.warn).toHaveBeenCalledWith(expect.stringContaining('WebSocket'));
  });

  it('does not trust a tampered cookie on the handshake (no store call, no session)', async () => {
    const cookie = await login('ivan');
    const token = tokenOf(cookie);
    const tampered = `sid=${token.slice(0, -1)}${token.at(-1) === 'A' ? 'B' : 'A'}`;
    const socket = await g.connect({ cookie: tampered });
    const get = jest.spyOn(g.store, 'get');
    expect(await socket.call('whoami')).toMatchObject({ userId: null });
    expect(get).not.toHaveBeenCalled();
  });

  it('ends the socket’s session when the user logs out over HTTP', async () => {
    const cookie = await login('judy');
    const socket = await g.connect({ cookie });
    expect(await socket.call('whoami')).toMatchObject({ userId: 'judy' });
    await request(g.server).post('/logout').set('Cookie', cookie);
    expect(await socket.call('whoami')).toMatchObject({ userId: null });
    // A write after the logout does not bring the session back.
    await socket.call('set', { key: 'userId', value: 'judy' });
    expect((await request(g.server).get('/me').set('Cookie', cookie)).body).toEqual({ userId: null });
  });

  it('destroy() in a gateway removes the session from the store: HTTP requests are logged out too', async () => {
    const cookie = await login('olga');
    const socket = await g.connect({ cookie });
    const { sessionId } = await socket.call('read');
    expect(await g.store.get(sessionId as string)).not.toBeNull();
    expect(await socket.call('logout')).toMatchObject({ ok: true });
    expect(await g.store.get(sessionId as string)).toBeNull();
    expect((await request(g.server).get('/me').set('Cookie', cookie)).body).toEqual({ userId: null });
    expect(await socket.call('whoami')).toMatchObject({ userId: null });
  });

  it('keeps two sockets of two users apart', async () => {
    const [a, b] = await Promise.all([login('kim'), login('lee')]);
    const [sa, sb] = await Promise.all([g.connect({ cookie: a }), g.connect({ cookie: b })]);
    const replies = await Promise.all([sa.call('whoami'), sb.call('whoami'), sa.call('whoami'), sb.call('whoami')]);
    expect(replies.map((r) => r.userId)).toEqual(['kim', 'lee', 'kim', 'lee']);
  });
});

describe.each(combos)('WebSocket gateways with header transport (%s)', (_name, adapter, wsVariant) => {
  let g: GatewayApp;
  beforeAll(async () => {
    g = await startGatewayApp(adapter, wsVariant, { transport: 'header' });
  });
  afterAll(() => g.close());

  it('takes the session from the handshake header and saves the changes', async () => {
    const res = await request(g.server).post('/login').send({ userId: 'mia' });
    const token = res.headers['x-session-token'] as string;
    expect(token).toBeDefined();
    const socket = await g.connect({ 'x-session-token': token });
    expect(await socket.call('whoami')).toMatchObject({ userId: 'mia' });
    await socket.call('set', { key: 'role', value: 'admin' });
    const read = await request(g.server).get('/read').set('x-session-token', token);
    expect(read.body.data).toEqual({ userId: 'mia', role: 'admin' });
  });

  it('ignores a session cookie in header-only mode', async () => {
    const res = await request(g.server).post('/login').send({ userId: 'ned' });
    const token = res.headers['x-session-token'] as string;
    const socket = await g.connect({ cookie: `sid=${token}` });
    expect(await socket.call('whoami')).toMatchObject({ userId: null });
  });
});
