import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Controller, type LoggerService } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { defaultFingerprint } from '../../lib/session.options-resolver.js';
import { sessionCookie, setCookies, tokenOf } from '../support/cookies.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { TestController } from '../support/test-controller.js';
import { adapterVariants, storeVariants } from '../support/variants.js';

const express = adapterVariants.find((a) => a.name === 'express')!;
const memory = storeVariants()[0]!;

/** A logger that remembers every line, to grep for tokens. */
function recordingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const keep = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  return { lines, log: keep, error: keep, warn: keep, debug: keep, verbose: keep, fatal: keep };
}

describe('checklist A: cookie and id', () => {
  let h: Harness;
  let logger: ReturnType<typeof recordingLogger>;
  beforeAll(async () => {
    logger = recordingLogger();
    h = await createHarness({ adapter: express, store: memory, options: { logger } });
  });
  afterAll(() => h.close());

  it('#2 default cookie over HTTPS (secure: "auto" behind a trusted proxy): HttpOnly; Secure; SameSite=Lax; Path=/; no Domain; name sid', async () => {
    const hs = await createHarness({ adapter: express, store: memory, options: { cookie: { secure: 'auto' } } });
    (hs.app.getHttpAdapter().getInstance() as { set(k: string, v: unknown): void }).set('trust proxy', 'loopback');
    const res = await request(hs.server).get('/counter').set('X-Forwarded-Proto', 'https');
    const line = setCookies(res)[0]!;
    expect(line).toMatch(/^sid=/);
    expect(line).toMatch(/; Path=\//);
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; Secure/);
    expect(line).toMatch(/; SameSite=Lax/);
    expect(line).not.toMatch(/Domain=/);
    await hs.close();
  });

  it.each([
    ['"*" glob characters', `${'*'.repeat(43)}.${'A'.repeat(43)}`],
    ['"?" and braces', `${'{?}'.repeat(14)}A.${'A'.repeat(43)}`],
    ['CR/LF (percent-encoded)', `${'A'.repeat(20)}%0D%0A${'A'.repeat(17)}.${'A'.repeat(43)}`],
    ['NUL (percent-encoded)', `${'A'.repeat(42)}%00.${'A'.repeat(43)}`],
    ['10 KB', 'A'.repeat(10_000)],
  ])('#11 a malformed id (%s) is rejected before any store call', async (_label, value) => {
    const calls = ['get', 'set', 'destroy', 'create', 'patch', 'touch'].map((m) => jest.spyOn(h.store, m as 'get'));
    const res = await request(h.server).get('/read').set('Cookie', `sid=${value}`);
    expect(res.status).toBe(200);
    expect(res.body.isNew).toBe(true);
    for (const spy of calls) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });

  it('#12 a 20 KB Cookie header is refused by Node (431) before the app sees it', async () => {
    const port = (h.app.getHttpServer().address() as AddressInfo | null)?.port ?? (await listen(h));
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/read', headers: { cookie: `sid=${'a'.repeat(20_000)}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(431);
  });

  it('#17 tokens in the query string, a form body or an unconfigured header are ignored', async () => {
    const login = await request(h.server).post('/login').send({ userId: 'eve-target' });
    const token = tokenOf(sessionCookie(login)!);
    expect((await request(h.server).get(`/me?sid=${token}`)).body.userId).toBeNull();
    expect((await request(h.server).get('/me').set('x-session-token', token)).body.userId).toBeNull();
    expect((await request(h.server).get('/me').set('Authorization', `Bearer ${token}`)).body.userId).toBeNull();
    const form = await request(h.server).post('/set/x').type('form').send({ sid: token, value: 'v' });
    expect(sessionCookie(form)).not.toBe(`sid=${token}`);
  });

  it('#19 no raw token appears in any log line or error body over a full lifecycle', async () => {
    const tokens: string[] = [];
    const agent = request.agent(h.server);
    const first = await agent.post('/set/a').send({ value: 1 });
    tokens.push(tokenOf(sessionCookie(first)!));
    const login = await agent.post('/login').send({ userId: 'logged' });
    tokens.push(tokenOf(sessionCookie(login)!));
    const bodies = [JSON.stringify((await agent.get('/throws')).body)];
    await agent.post('/logout');
    for (let i = 0; i < 120; i++)
      await request(h.server)
        .get('/read')
        .set('Cookie', `sid=${tokens[0]!.slice(0, -2)}xx`);
    bodies.push(JSON.stringify((await request(h.server).get('/me').set('Cookie', `sid=${tokens[1]}`)).body));
    expect(logger.lines.some((l) => /invalid session tokens/.test(l))).toBe(true); // #82 event
    const everything = logger.lines.join('\n') + bodies.join('\n');
    for (const token of tokens) {
      const [secretId, mac] = token.split('.') as [string, string];
      expect(everything).not.toContain(secretId);
      expect(everything).not.toContain(mac);
    }
  });

  it('#20 a cookie scoped to /app is not used on /application, and the query does not count', async () => {
    @Controller('app')
    class AppScoped extends TestController {}
    @Controller('application')
    class OutsideScope extends TestController {}
    const hs = await createHarness({
      adapter: express,
      store: memory,
      options: { cookie: { path: '/app' } },
      controllers: [AppScoped, OutsideScope, TestController],
    });
    const first = await request(hs.server).post('/app/set/a').send({ value: 1 });
    const cookie = sessionCookie(first)!;
    expect(setCookies(first)[0]).toMatch(/Path=\/app/);
    expect((await request(hs.server).get('/app/read').set('Cookie', cookie)).body.data).toEqual({ a: 1 });
    expect((await request(hs.server).get('/application/read').set('Cookie', cookie)).body.data).toEqual({});
    expect((await request(hs.server).get('/read?x=/app').set('Cookie', cookie)).body.data).toEqual({});
    await hs.close();
  });

  it('#33 fingerprint inputs: IPv4-mapped IPv6 folds, UAs are bounded, spoofed X-Forwarded-For is not the IP', () => {
    const mapped = defaultFingerprint({ ip: '::ffff:1.2.3.4', headers: { 'user-agent': 'ua' } });
    expect(mapped).toBe(defaultFingerprint({ ip: '1.2.3.4', headers: { 'user-agent': 'ua' } }));
    expect(defaultFingerprint({ ip: '1.2.3.4', headers: { 'user-agent': 'x'.repeat(8192) } }).length).toBeLessThan(600);
    expect(defaultFingerprint({ ip: '1.2.3.4', headers: { 'user-agent': 'Mozilla/5.0 (ünïcødé ✓)' } })).toContain(
      'ünïcødé',
    );
    expect(defaultFingerprint({ ip: '1.2.3.4', headers: {} })).toBe('1.2.3.4\n');
    // The IP is the platform's req.ip: X-Forwarded-For only counts when the platform trusts the proxy.
    expect(defaultFingerprint({ ip: '10.0.0.1', headers: { 'x-forwarded-for': '6.6.6.6' } })).toMatch(/^10\.0\.0\.1/);
  });

  it('#33 the stored fingerprint is a keyed hash, not the raw IP or User-Agent', async () => {
    const hs = await createHarness({ adapter: express, store: memory, options: { fingerprint: true } });
    await request(hs.server).post('/set/a').set('User-Agent', 'UniqueAgent/1.0').send({ value: 1 });
    const dump = JSON.stringify(await hs.store.all!());
    expect(dump).toContain('"fingerprint"');
    expect(dump).not.toMatch(/127\.0\.0\.1|::1/);
    const [{ record }] = await hs.store.all!();
    expect(record.meta.fingerprint).not.toContain('UniqueAgent');
    await hs.close();
  });

  it('#80 the session cookie stays far below 4096 bytes including its attributes', async () => {
    const res = await request(h.server)
      .post('/set/a')
      .send({ value: 'x'.repeat(10_000) });
    expect(Buffer.byteLength(setCookies(res)[0]!)).toBeLessThan(400);
  });
});

async function listen(h: Harness): Promise<number> {
  await h.app.listen(0, '127.0.0.1');
  return (h.app.getHttpServer().address() as AddressInfo).port;
}
