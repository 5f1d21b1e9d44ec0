import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import request, { type Response } from 'supertest';
import { SessionService } from '../../lib/index.js';
import { sessionCookie, setCookies, tokenOf } from '../support/cookies.js';
import { createHarness, matrix, OLD_SECRET, SECRET, type Harness } from '../support/session-harness.js';
import { TestController } from '../support/test-controller.js';
import { TokenController } from '../support/token-controller.js';

const HEADER = 'x-session-token';
const controllers = [TestController, TokenController];

function headerToken(res: Response, name = HEADER): string | undefined {
  return res.headers[name] as string | undefined;
}

/** Nothing in the response (headers other than the issuing one, body) carries the token. */
function expectNoEcho(res: Response, token: string): void {
  const secretId = token.slice(0, token.lastIndexOf('.'));
  expect(JSON.stringify(res.body)).not.toContain(secretId);
  expect(res.text ?? '').not.toContain(secretId);
  expect(setCookies(res).join('\n')).not.toContain(secretId);
}

describe.each(matrix())('header transport only (%s)', (_name, adapter, store) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ adapter, store, controllers, options: { transport: 'header', requestContext: true } });
  });
  afterAll(() => h.close());

  it('keeps a header client’s session across requests; the token comes back only when new or rotated; never a Set-Cookie', async () => {
    const first = await request(h.server).get('/counter');
    expect(first.body.visits).toBe(1);
    const token = headerToken(first)!;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(setCookies(first)).toEqual([]);
    expect(first.headers['cache-control']).toBe('no-store');
    expectNoEcho(first, token);

    for (const visits of [2, 3, 4]) {
      const res = await request(h.server).get('/counter').set(HEADER, token);
      expect(res.body.visits).toBe(visits);
      expect(res.body.id).toBe(first.body.id);
      // The client already holds this token: it is not sent again.
      expect(headerToken(res)).toBeUndefined();
      expect(setCookies(res)).toEqual([]);
    }
  });

  it('rotates the header token at login (regenerate): the new one works, the old one is dead', async () => {
    const anon = await request(h.server)
      .post('/set/cart')
      .send({ value: ['apple'] });
    const before = headerToken(anon)!;
    const login = await request(h.server).post('/login').set(HEADER, before).send({ userId: 'hana' });
    const after = headerToken(login)!;
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(setCookies(login)).toEqual([]);
    expect(login.headers['cache-control']).toBe('no-store');
    expect((await request(h.server).get('/me').set(HEADER, after)).body.userId).toBe('hana');
    expect((await request(h.server).get('/read').set(HEADER, after)).body.data.cart).toEqual(['apple']);
    const old = await request(h.server).get('/read').set(HEADER, before);
    expect(old.body.isNew).toBe(true);
    expect(old.body.data).toEqual({});
  });

  it('a logout ends the header session without any Set-Cookie; the token then gets a fresh session', async () => {
    const login = await request(h.server).post('/login').send({ userId: 'ivan' });
    const token = headerToken(login)!;
    const logout = await request(h.server).post('/logout').set(HEADER, token);
    expect(logout.status).toBe(200);
    expect(setCookies(logout)).toEqual([]);
    expect(headerToken(logout)).toBeUndefined();
    expect((await request(h.server).get('/me').set(HEADER, token)).body.userId).toBeNull();
  });

  it('ignores a session cookie in header-only mode, even a valid token', async () => {
    const first = await request(h.server).post('/set/a').send({ value: 1 });
    const token = headerToken(first)!;
    const viaCookie = await request(h.server).get('/read').set('Cookie', `sid=${token}`);
    expect(viaCookie.body.isNew).toBe(true);
    expect(setCookies(viaCookie)).toEqual([]);
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['a 4 KB value', 'A'.repeat(4096)],
    ['an unsigned id', 'A'.repeat(43)],
    ['a bad MAC', `${'A'.repeat(43)}.${'B'.repeat(43)}`],
  ])('a header with %s gives a fresh session (200, never 500) and is not echoed', async (_label, value) => {
    const res = await request(h.server).get('/counter').set(HEADER, value);
    expect(res.status).toBe(200);
    expect(res.body.visits).toBe(1);
    expect(headerToken(res)).not.toBe(value);
    expect(res.text).not.toContain(value);
  });

  it('a handler error on a header session carries no token in the error body', async () => {
    const first = await request(h.server).post('/set/a').send({ value: 1 });
    const token = headerToken(first)!;
    const res = await request(h.server).get('/throws').set(HEADER, token);
    expect(res.status).toBe(500);
    expectNoEcho(res, token);
    expect(headerToken(res)).toBeUndefined(); // the write is saved, but the client already has the token
    expect((await request(h.server).get('/read').set(HEADER, token)).body.data.beforeError).toBe('kept');
  });

  it('a header token verified under an older secret is re-signed and sent back', async () => {
    const hs = await createHarness({
      adapter,
      store,
      controllers,
      options: { transport: 'header', secret: [SECRET, OLD_SECRET] },
    });
    try {
      const token = await hs.app.get(SessionService).create({ n: 1 });
      const secretId = token.slice(0, token.lastIndexOf('.'));
      const old = `${secretId}.${createHmac('sha256', OLD_SECRET).update(secretId).digest('base64url')}`;
      const res = await request(hs.server).get('/read').set(HEADER, old);
      expect(res.body.data).toEqual({ n: 1 });
      expect(headerToken(res)).toBe(token);
      expect(res.headers['cache-control']).toBe('no-store');
    } finally {
      await hs.close();
    }
  });

  it('honours a custom headerName (matched case-insensitively)', async () => {
    const hs = await createHarness({
      adapter,
      store,
      controllers,
      options: { transport: 'header', headerName: 'X-Auth-Session' },
    });
    try {
      const first = await request(hs.server).get('/counter');
      const token = headerToken(first, 'x-auth-session')!;
      expect(token).toBeDefined();
      expect(headerToken(first)).toBeUndefined();
      expect((await request(hs.server).get('/counter').set('X-AUTH-SESSION', token)).body.visits).toBe(2);
      expect((await request(hs.server).get('/counter').set(HEADER, token)).body.visits).toBe(1);
    } finally {
      await hs.close();
    }
  });
});

describe.each(matrix())('cookie and header transports together (%s)', (_name, adapter, store) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      adapter,
      store,
      controllers,
      options: { transport: ['cookie', 'header'], requestContext: true },
    });
  });
  afterAll(() => h.close());

  it('a new client gets both the cookie and the header, carrying the same token', async () => {
    const res = await request(h.server).get('/counter');
    const cookie = sessionCookie(res)!;
    expect(cookie).toBeDefined();
    expect(headerToken(res)).toBe(tokenOf(cookie));
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('a cookie client is answered by cookie only, also when its session rotates', async () => {
    const first = await request(h.server).get('/counter');
    const cookie = sessionCookie(first)!;
    const next = await request(h.server).get('/counter').set('Cookie', cookie);
    expect(next.body.visits).toBe(2);
    expect(headerToken(next)).toBeUndefined();
    const login = await request(h.server).post('/login').set('Cookie', cookie).send({ userId: 'jo' });
    const rotated = sessionCookie(login)!;
    expect(rotated).toBeDefined();
    expect(rotated).not.toBe(cookie);
    expect(headerToken(login)).toBeUndefined();
    expect((await request(h.server).get('/me').set('Cookie', rotated)).body.userId).toBe('jo');
  });

  it('a header client is answered in the header only, never with a Set-Cookie', async () => {
    const first = await request(h.server).get('/counter');
    const token = headerToken(first)!;
    const next = await request(h.server).get('/counter').set(HEADER, token);
    expect(next.body.visits).toBe(2);
    expect(setCookies(next)).toEqual([]);
    expect(headerToken(next)).toBeUndefined();
    const login = await request(h.server).post('/login').set(HEADER, token).send({ userId: 'kim' });
    const rotated = headerToken(login)!;
    expect(rotated).not.toBe(token);
    expect(setCookies(login)).toEqual([]);
    expect((await request(h.server).get('/me').set(HEADER, rotated)).body.userId).toBe('kim');
    // A header client that logs out gets no cookie-clearing header either.
    const logout = await request(h.server).post('/logout').set(HEADER, rotated);
    expect(setCookies(logout)).toEqual([]);
  });

  it('a valid header token wins over a cookie in the same request', async () => {
    const a = await request(h.server).post('/set/who').send({ value: 'a' });
    const b = await request(h.server).post('/set/who').send({ value: 'b' });
    const res = await request(h.server).get('/read').set('Cookie', sessionCookie(a)!).set(HEADER, headerToken(b)!);
    expect(res.body.data.who).toBe('b');
    // An invalid header falls back to the cookie.
    const fallback = await request(h.server).get('/read').set('Cookie', sessionCookie(a)!).set(HEADER, 'junk');
    expect(fallback.body.data.who).toBe('a');
  });

  it('a token issued by the token endpoint is returned once, uncacheable, and works in the header and as the cookie', async () => {
    const issued = await request(h.server).post('/api/token').send({ userId: 'lee' });
    expect(issued.status).toBe(201);
    expect(issued.headers['cache-control']).toBe('no-store');
    expect(setCookies(issued)).toEqual([]);
    const token = issued.body.token as string;
    const viaHeader = await request(h.server).get('/me').set(HEADER, token);
    expect(viaHeader.body.userId).toBe('lee');
    expectNoEcho(viaHeader, token);
    expect(headerToken(viaHeader)).toBeUndefined();
    const viaCookie = await request(h.server).get('/me').set('Cookie', `sid=${token}`);
    expect(viaCookie.body.userId).toBe('lee');
  });
});
