import { afterEach, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { adapterVariants, storeVariants } from '../support/variants.js';

const express = adapterVariants.find((a) => a.name === 'express')!;
const memory = storeVariants()[0]!;

describe('cookie options (express)', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('uses the configured name, path, domain, sameSite, partitioned and priority', async () => {
    h = await createHarness({
      adapter: express,
      store: memory,
      options: {
        name: 'app_session',
        cookie: {
          path: '/',
          domain: 'example.test',
          sameSite: 'strict',
          secure: true,
          partitioned: true,
          priority: 'high',
        },
      },
    });
    (h.app as NestExpressApplication).set('trust proxy', 'loopback');
    const res = await request(h.server).get('/counter').set('X-Forwarded-Proto', 'https');
    const line = setCookies(res).find((c) => c.startsWith('app_session='))!;
    expect(line).toMatch(/Domain=example\.test/);
    expect(line).toMatch(/SameSite=Strict/);
    expect(line).toMatch(/Secure/);
    expect(line).toMatch(/Partitioned/);
    expect(line).toMatch(/Priority=High/);
  });

  it("#5 secure: 'auto' marks the cookie Secure only when a trusted proxy says HTTPS", async () => {
    h = await createHarness({ adapter: express, store: memory, options: { cookie: { secure: 'auto' } } });
    const plain = await request(h.server).get('/counter');
    expect(setCookies(plain)[0]).not.toMatch(/Secure/);

    // Not trusted yet: a spoofed X-Forwarded-Proto changes nothing.
    const spoofed = await request(h.server).get('/counter').set('X-Forwarded-Proto', 'https');
    expect(setCookies(spoofed)[0]).not.toMatch(/Secure/);

    (h.app as NestExpressApplication).set('trust proxy', 'loopback');
    const proxied = await request(h.server).get('/counter').set('X-Forwarded-Proto', 'https, http');
    expect(setCookies(proxied)[0]).toMatch(/Secure/);
  });

  it('#4 secure: true over plain HTTP sends no cookie and stores nothing', async () => {
    h = await createHarness({ adapter: express, store: memory, options: { cookie: { secure: true } } });
    const res = await request(h.server).get('/counter');
    expect(res.status).toBe(200);
    expect(setCookies(res)).toEqual([]);
    expect(await h.store.length!()).toBe(0);
  });

  it('#24 clears the cookie on logout with the same Path and Domain', async () => {
    h = await createHarness({
      adapter: express,
      store: memory,
      options: { cookie: { path: '/', domain: 'example.test' } },
    });
    const login = await request(h.server).post('/login').send({ userId: 'u' });
    const out = await request(h.server).post('/logout').set('Cookie', sessionCookie(login)!);
    const clearing = setCookies(out).find((c) => c.startsWith('sid='))!;
    expect(clearing).toMatch(/^sid=; Max-Age=0; Domain=example\.test; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT/);
  });

  it('#14 #15 uses the first of duplicate session cookies and ignores cookie names from Object.prototype', async () => {
    h = await createHarness({ adapter: express, store: memory });
    const a = await request(h.server).post('/set/who').send({ value: 'A' });
    const b = await request(h.server).post('/set/who').send({ value: 'B' });
    const ca = sessionCookie(a)!;
    const cb = sessionCookie(b)!;
    const ab = await request(h.server).get('/read').set('Cookie', `${ca}; ${cb}`);
    expect(ab.body.data).toEqual({ who: 'A' });
    const ba = await request(h.server).get('/read').set('Cookie', `${cb}; ${ca}`);
    expect(ba.body.data).toEqual({ who: 'B' });
    const proto = await request(h.server)
      .get('/read')
      .set('Cookie', `__proto__=1; constructor=2; hasOwnProperty=3; toString=4; ${ca}`);
    expect(proto.body.data).toEqual({ who: 'A' });
    expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
  });

  it('reads a session cookie whose value is in double quotes (RFC 6265)', async () => {
    h = await createHarness({ adapter: express, store: memory });
    const cookie = sessionCookie(await request(h.server).post('/set/who').send({ value: 'Q' }))!;
    const [name, value] = [cookie.slice(0, cookie.indexOf('=')), cookie.slice(cookie.indexOf('=') + 1)];
    const quoted = await request(h.server).get('/read').set('Cookie', `${name}="${value}"`);
    expect(quoted.body.data).toEqual({ who: 'Q' });
    expect(quoted.body.isNew).toBe(false);
  });
});
