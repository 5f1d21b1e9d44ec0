import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { sessionCookie, setCookies, tokenOf } from '../support/cookies.js';
import { createHarness, matrix, OLD_SECRET, SECRET, type Harness } from '../support/session-harness.js';

/** Sign a secret id the way the module does, with any key. */
function sign(secretId: string, secret: string): string {
  return `${secretId}.${createHmac('sha256', secret).update(secretId).digest('base64url')}`;
}

describe.each(matrix())('core sessions (%s)', (_name, adapter, store) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ adapter, store, options: { secret: [SECRET, OLD_SECRET], requestContext: true } });
  });
  afterAll(() => h.close());

  it('counts visits across requests with a cookie jar; another client has its own count', async () => {
    const a = request.agent(h.server);
    const b = request.agent(h.server);
    expect((await a.get('/counter')).body.visits).toBe(1);
    expect((await a.get('/counter')).body.visits).toBe(2);
    expect((await a.get('/counter')).body.visits).toBe(3);
    expect((await b.get('/counter')).body.visits).toBe(1);
    expect((await a.get('/counter')).body.visits).toBe(4);
  });

  it('#18 sets a cookie with the documented defaults and Cache-Control: no-store', async () => {
    const res = await request(h.server).get('/counter');
    const line = setCookies(res).find((c) => c.startsWith('sid='))!;
    expect(line).toMatch(/; Path=\//);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).toMatch(/; Max-Age=86400/);
    expect(line).not.toMatch(/Domain=/);
    expect(line).not.toMatch(/Secure/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('gives an anonymous request to a route without the session no cookie and no store call', async () => {
    const get = jest.spyOn(h.store, 'get');
    const res = await request(h.server).get('/anon');
    expect(res.status).toBe(200);
    expect(setCookies(res)).toEqual([]);
    expect(get).not.toHaveBeenCalled();
    get.mockRestore();
  });

  it('makes no store call even with a valid cookie when the route does not use the session', async () => {
    const first = await request(h.server).get('/counter');
    const get = jest.spyOn(h.store, 'get');
    const res = await request(h.server).get('/anon').set('Cookie', sessionCookie(first)!);
    expect(res.status).toBe(200);
    expect(get).not.toHaveBeenCalled();
    get.mockRestore();
  });

  it('does not store or send a cookie for a new session nobody wrote to (saveUninitialized false)', async () => {
    const before = await h.store.length!();
    const res = await request(h.server).get('/read');
    expect(res.body.isNew).toBe(true);
    expect(setCookies(res)).toEqual([]);
    expect(await h.store.length!()).toBe(before);
  });

  describe('tokens that must not be trusted', () => {
    async function counted(cookie: string): Promise<{ visits: number; cookie: string | undefined; gets: number }> {
      const get = jest.spyOn(h.store, 'get');
      const res = await request(h.server).get('/counter').set('Cookie', cookie);
      const gets = get.mock.calls.length;
      get.mockRestore();
      return { visits: res.body.visits, cookie: sessionCookie(res), gets };
    }

    let valid: string;
    beforeAll(async () => {
      const a = request.agent(h.server);
      await a.get('/counter');
      const res = await a.get('/counter');
      valid = tokenOf(sessionCookie(res)!);
    });

    it('#6 a tampered signature gives a fresh session, without a store call', async () => {
      const last = valid.at(-1) === 'A' ? 'B' : 'A';
      const r = await counted(`sid=${valid.slice(0, -1)}${last}`);
      expect(r.visits).toBe(1);
      expect(r.gets).toBe(0);
      expect(tokenOf(r.cookie!)).not.toBe(valid);
    });

    it('#7 an unsigned id gives a fresh session', async () => {
      const r = await counted(`sid=${valid.split('.')[0]}`);
      expect(r.visits).toBe(1);
      expect(r.gets).toBe(0);
    });

    const garbage: Array<[string, (token: string) => string]> = [
      ['garbage', () => 'garbage'],
      ['a lone dot', () => '.'],
      ['empty', () => ''],
      ['bad percent-encoding %zz', () => '%zz'],
      ['truncated percent-encoding', () => '%E0%A4%A'],
      ['signature + "x"', (t) => `${t}x`],
      ['"x" + token', (t) => `x${t}`],
      ['token + ".x"', (t) => `${t}.x`],
      ['4 KB value', () => 'a'.repeat(4096)],
    ];
    it.each(garbage)(
      '#7 #12 #13 garbage cookie (%s) gives a fresh session without a store call',
      async (_label, make) => {
        const r = await counted(`sid=${make(valid)}`);
        expect(r.visits).toBe(1);
        expect(r.gets).toBe(0);
      },
    );

    it('#9 a cookie signed with an older secret still in the array is accepted and re-signed with the first', async () => {
      const secretId = valid.split('.')[0]!;
      const r = await counted(`sid=${sign(secretId, OLD_SECRET)}`);
      expect(r.visits).toBe(3);
      expect(tokenOf(r.cookie!)).toBe(sign(secretId, SECRET));
    });

    it('#9 a cookie signed with an unknown secret gives a fresh session', async () => {
      const secretId = valid.split('.')[0]!;
      const r = await counted(`sid=${sign(secretId, 'an-unknown-secret-nobody-configured-xxxxxx')}`);
      expect(r.visits).toBe(1);
      expect(r.gets).toBe(0);
    });

    it('#10 a correctly signed id the store does not know is not adopted: a new id is issued', async () => {
      const unknown = sign('A'.repeat(43), SECRET);
      const r = await counted(`sid=${unknown}`);
      expect(r.visits).toBe(1);
      expect(tokenOf(r.cookie!)).not.toBe(unknown);
    });
  });

  it('login regenerates the id: the old record is gone and data is cleared except the kept keys', async () => {
    const agent = request.agent(h.server);
    await agent.post('/set/cart').send({ value: ['book'] });
    const pre = await agent.post('/set/csrf').send({ value: 'pre-login-token' });
    const preCookie = sessionCookie(pre)!;
    const preId = (await agent.get('/read')).body.id as string;
    expect(await h.store.get(preId)).not.toBeNull();

    const login = await agent.post('/login').send({ userId: 'alice' });
    expect(login.status).toBe(200);
    const postCookie = sessionCookie(login)!;
    expect(postCookie).not.toBe(preCookie);
    expect(login.body.id).not.toBe(preId);
    expect(await h.store.get(preId)).toBeNull();

    const after = await agent.get('/read');
    expect(after.body.data).toEqual({ cart: ['book'], userId: 'alice' });

    // The pre-login cookie is worth nothing now.
    const replay = await request(h.server).get('/me').set('Cookie', preCookie);
    expect(replay.body.userId).toBeNull();
  });

  it('logout removes the store entry and clears the cookie; the old cookie then gets a fresh session', async () => {
    const agent = request.agent(h.server);
    const login = await agent.post('/login').send({ userId: 'bob' });
    const cookie = sessionCookie(login)!;
    const id = login.body.id as string;
    expect(await h.store.get(id)).not.toBeNull();

    const logout = await agent.post('/logout');
    expect(logout.status).toBe(200);
    const clearing = setCookies(logout).find((c) => c.startsWith('sid='))!;
    expect(clearing).toMatch(/^sid=;/);
    expect(clearing).toMatch(/Max-Age=0/);
    expect(clearing).toMatch(/Path=\//);
    expect(logout.headers['cache-control']).toBe('no-store');
    expect(await h.store.get(id)).toBeNull();

    const replay = await request(h.server).get('/me').set('Cookie', cookie);
    expect(replay.body.userId).toBeNull();
  });

  it('keeps all 50 keys written by 50 concurrent requests on one session (no lost update)', async () => {
    const first = await request(h.server).post('/set/seed').send({ value: 0 });
    const cookie = sessionCookie(first)!;
    const writes = Array.from({ length: 50 }, (_, i) =>
      request(h.server)
        .post(`/set/k${i}?delay=${(i * 7) % 25}`)
        .set('Cookie', cookie)
        .send({ value: i }),
    );
    const results = await Promise.all(writes);
    expect(results.every((r) => r.status === 200)).toBe(true);
    const data = (await request(h.server).get('/read').set('Cookie', cookie)).body.data as Record<string, unknown>;
    for (let i = 0; i < 50; i++) expect(data[`k${i}`]).toBe(i);
    expect(data.seed).toBe(0);
  });

  it('persists a change made by a handler that then throws', async () => {
    const agent = request.agent(h.server);
    await agent.post('/set/x').send({ value: 1 });
    const res = await agent.get('/throws');
    expect(res.status).toBe(500);
    expect((await agent.get('/read')).body.data).toEqual({ x: 1, beforeError: 'kept' });
  });

  it('lets a guard read the session through SessionService.load', async () => {
    const agent = request.agent(h.server);
    expect((await agent.get('/guarded')).status).toBe(403);
    await agent.post('/login').send({ userId: 'carol' });
    const res = await agent.get('/guarded');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId: 'carol' });
  });

  it('sets the cookie for handlers that write the response through @Res()', async () => {
    const res = await request(h.server).get('/raw');
    expect(res.status).toBe(200);
    const cookie = sessionCookie(res)!;
    expect(cookie).toBeDefined();
    expect((await request(h.server).get('/read').set('Cookie', cookie)).body.data).toEqual({ raw: 'written' });
  });

  it('finds the current request session in SessionService calls made without an argument', async () => {
    const agent = request.agent(h.server);
    await agent.post('/set/a').send({ value: 1 });
    expect((await agent.post('/save-service')).status).toBe(200);
    expect((await agent.get('/read')).body.data).toEqual({ a: 1, viaService: true });
  });

  it("puts the session on req.session so Nest's own @Session() sees the same object", async () => {
    const agent = request.agent(h.server);
    await agent.post('/set/color').send({ value: 'teal' });
    expect((await agent.get('/nest-session')).body).toEqual({ color: 'teal', same: true });
  });

  it('#19 never gives the store a raw session id from any cookie issued', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(h.server).post('/set/n').send({ value: i });
      tokens.push(tokenOf(sessionCookie(res)!));
    }
    const dump = JSON.stringify(await h.store.all!());
    for (const token of tokens) {
      const [secretId, mac] = token.split('.') as [string, string];
      expect(dump).not.toContain(secretId);
      expect(dump).not.toContain(mac);
    }
  });
});
