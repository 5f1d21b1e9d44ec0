import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import request from 'supertest';
import { AppModule } from '../../sample/app.module.js';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { adapterVariants } from '../support/variants.js';
import { isolateSampleKeys } from '../support/sample-keys.js';

describe.each(adapterVariants.map((a) => [a.name, a] as const))('sample API routes (%s)', (_name, adapter) => {
  isolateSampleKeys();
  let app: INestApplication;
  let server: Server;
  const user = `sample-${Math.random().toString(36).slice(2, 8)}`;
  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = await adapter.create(moduleRef);
    await app.init();
    await adapter.ready?.(app);
    server = app.getHttpServer() as Server;
  });
  afterAll(() => app.close());

  async function browserLogin(ua: string): Promise<string> {
    const res = await request(server).post('/login').set('User-Agent', ua).send({ userId: user });
    return sessionCookie(res)!;
  }

  it('POST /api/token issues a header token, uncacheable and without a cookie; it refuses a missing user', async () => {
    const res = await request(server).post('/api/token').set('User-Agent', 'cli/1').send({ userId: user });
    expect(res.status).toBe(201);
    expect(res.body.header).toBe('x-session-token');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(setCookies(res)).toEqual([]);
    const me = await request(server)
      .get('/me')
      .set('x-session-token', res.body.token as string);
    expect(me.body).toEqual({ userId: user });
    expect(me.headers['x-session-token']).toBeUndefined();
    expect((await request(server).post('/api/token').send({})).status).toBe(401);
  });

  it('GET /sessions lists the user’s sessions; POST /logout-everywhere ends all but this one', async () => {
    const laptop = await browserLogin('Laptop/1');
    const phone = await browserLogin('Phone/1');
    const token = (await request(server).post('/api/token').send({ userId: user })).body.token as string;

    const listed = await request(server).get('/sessions').set('Cookie', laptop);
    expect(listed.status).toBe(200);
    const list = listed.body as Array<{ id: string; userAgent?: string; current: boolean }>;
    expect(list.length).toBeGreaterThanOrEqual(3);
    expect(list.filter((s) => s.current).map((s) => s.userAgent)).toEqual(['Laptop/1']);
    expect(list.map((s) => s.userAgent)).toEqual(expect.arrayContaining(['Laptop/1', 'Phone/1']));
    expect(listed.text).not.toContain(token.slice(0, token.indexOf('.')));

    const out = await request(server).post('/logout-everywhere').set('Cookie', laptop).send({});
    expect(out.status).toBe(200);
    expect(out.body.ended).toBe(list.length - 1);
    expect((await request(server).get('/me').set('Cookie', laptop)).body).toEqual({ userId: user });
    expect((await request(server).get('/me').set('Cookie', phone)).status).toBe(401);
    expect((await request(server).get('/me').set('x-session-token', token)).status).toBe(401);
    const after = (await request(server).get('/sessions').set('Cookie', laptop)).body as Array<{ current: boolean }>;
    expect(after).toHaveLength(1);
    expect(after[0]!.current).toBe(true);
  });

  it('both routes need a logged-in session', async () => {
    expect((await request(server).get('/sessions')).status).toBe(401);
    expect((await request(server).post('/logout-everywhere').send({})).status).toBe(401);
  });
  it('refuses a cross-site form post to the JSON login (login CSRF): 415, no session, no cookie', async () => {
    const form = await request(server)
      .post('/login')
      .type('form')
      .send(`userId=${encodeURIComponent(user)}`);
    expect(form.status).toBe(415);
    expect(setCookies(form)).toEqual([]);
    const plain = await request(server).post('/api/token').set('Content-Type', 'text/plain').send('{"userId":"x"}');
    expect(plain.status).toBe(415);
    expect(plain.body.token).toBeUndefined();
  });
});
