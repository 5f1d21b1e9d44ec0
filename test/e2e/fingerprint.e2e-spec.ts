import { afterEach, describe, expect, it, jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import request from 'supertest';
import { SessionService, type SessionModuleOptions } from '../../lib/index.js';
import { SessionRuntime } from '../../lib/lifecycle/session-runtime.js';
import { sessionCookie, setCookies, tokenOf } from '../support/cookies.js';
import { createHarness, matrix, type Harness } from '../support/session-harness.js';
import type { AdapterVariant, StoreVariant } from '../support/variants.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const OWNER_UA = 'OwnerBrowser/1.0';
const THIEF_UA = 'ThiefBrowser/6.6';

/** A logger whose every call is recorded. */
function spyLogger(): LoggerService & { lines(): string[]; warn: jest.Mock } {
  const logger = {
    log: jest.fn(),
    error: jest.fn(),
    warn: jest.fn(),
    debug: jest.fn(),
    verbose: jest.fn(),
    fatal: jest.fn(),
    lines(): string[] {
      return [logger.log, logger.error, logger.warn, logger.debug, logger.verbose, logger.fatal].flatMap((m) =>
        m.mock.calls.map((args) => args.map(String).join(' ')),
      );
    },
  };
  return logger;
}

/** Every write the module makes to the store, by session id. */
function spyWrites(h: Harness) {
  const gateway = h.app.get(SessionRuntime).gateway;
  const spies = (['create', 'patch', 'touch', 'destroy'] as const).map((m) => jest.spyOn(gateway, m));
  return {
    idsWritten: () => spies.flatMap((s) => s.mock.calls.map((args) => (args as unknown[])[0] as string)),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

describe.each(matrix())('fingerprint binding (%s)', (_name, adapter: AdapterVariant, store: StoreVariant) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function start(options: Partial<SessionModuleOptions>): Promise<Harness> {
    h = await createHarness({ adapter, store, options });
    return h;
  }

  it('#32 a cookie presented by another User-Agent gets a fresh session; the stored one is untouched and still the owner’s', async () => {
    const logger = spyLogger();
    const hs = await start({ fingerprint: true, logger });
    const created = await request(hs.server).post('/set/secret').set('User-Agent', OWNER_UA).send({ value: 's3cr3t' });
    const cookie = sessionCookie(created)!;
    const token = tokenOf(cookie);
    const { id } = (await request(hs.server).get('/read').set('User-Agent', OWNER_UA).set('Cookie', cookie)).body;
    const before = await hs.store.get(id);
    expect(before!.data).toEqual({ secret: 's3cr3t' });
    logger.warn.mockClear();

    const writes = spyWrites(hs);
    const stolen = await request(hs.server).get('/read').set('User-Agent', THIEF_UA).set('Cookie', cookie);
    expect(stolen.status).toBe(200);
    expect(stolen.body.isNew).toBe(true);
    expect(stolen.body.data).toEqual({});
    expect(stolen.body.id).not.toBe(id);
    // A write by the other client goes to its own new session, under a new cookie.
    const write = await request(hs.server).post('/set/planted').set('User-Agent', THIEF_UA).set('Cookie', cookie);
    expect(sessionCookie(write)).toBeDefined();
    expect(sessionCookie(write)).not.toBe(cookie);
    const written = writes.idsWritten();
    writes.restore();
    expect(written).not.toContain(id);
    expect(written).toHaveLength(1); // the other client's new session, created once

    // The stored record is exactly as it was: data, expiry and last activity.
    expect(await hs.store.get(id)).toEqual(before);

    // One warning per rejected presentation, without the token or its secret part.
    expect(logger.warn).toHaveBeenCalledTimes(2);
    const warning = logger.warn.mock.calls.map((args) => args.map(String).join(' ')).join('\n');
    expect(warning).toMatch(/fingerprint/);
    for (const line of logger.lines()) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(token.slice(0, token.indexOf('.')));
    }

    // The owner's client is unaffected.
    const owner = await request(hs.server).get('/read').set('User-Agent', OWNER_UA).set('Cookie', cookie);
    expect(owner.body).toEqual({ id, isNew: false, data: { secret: 's3cr3t' } });
    expect(setCookies(owner).filter((c) => c.startsWith('sid=;'))).toEqual([]);
  });

  it('#32 requests with a mismatched fingerprint never extend the stored session’s expiry (rolling on)', async () => {
    const hs = await start({ fingerprint: true, maxAge: 500, rolling: true, logger: spyLogger() });
    const created = await request(hs.server).post('/set/a').set('User-Agent', OWNER_UA).send({ value: 1 });
    const createdAt = Date.now();
    const cookie = sessionCookie(created)!;
    const { id } = (await request(hs.server).get('/read').set('User-Agent', OWNER_UA).set('Cookie', cookie)).body;
    const touchedAt = Date.now();
    const idle = (await hs.store.get(id))!.meta.idleExpiresAt;
    expect(idle).toBeGreaterThanOrEqual(createdAt);

    await sleep(150);
    for (let i = 0; i < 3; i++) {
      const res = await request(hs.server).get('/read').set('User-Agent', THIEF_UA).set('Cookie', cookie);
      expect(res.body.isNew).toBe(true);
      await sleep(50);
    }
    expect((await hs.store.get(id))!.meta.idleExpiresAt).toBe(idle);
    // Past the owner's last deadline the store itself has dropped it: its TTL was never pushed.
    await sleep(Math.max(0, touchedAt + 500 + 100 - Date.now()));
    expect(await hs.store.get(id)).toBeNull();
  });

  it('works the same for a header client', async () => {
    const logger = spyLogger();
    const hs = await start({ fingerprint: true, transport: 'header', logger });
    const created = await request(hs.server).post('/set/a').set('User-Agent', OWNER_UA).send({ value: 1 });
    const token = created.headers['x-session-token'] as string;
    const stolen = await request(hs.server).get('/read').set('User-Agent', THIEF_UA).set('x-session-token', token);
    expect(stolen.body).toMatchObject({ isNew: true, data: {} });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.lines().join('\n')).not.toContain(token.slice(0, token.indexOf('.')));
    const owner = await request(hs.server).get('/read').set('User-Agent', OWNER_UA).set('x-session-token', token);
    expect(owner.body).toMatchObject({ isNew: false, data: { a: 1 } });
  });

  it('a custom fingerprint function decides; the same client with another User-Agent still matches', async () => {
    const device = (req: { headers: Record<string, unknown> }) => String(req.headers['x-device-id'] ?? '');
    const hs = await start({ fingerprint: device, logger: spyLogger() });
    const created = await request(hs.server).post('/set/a').set('x-device-id', 'dev-1').send({ value: 1 });
    const cookie = sessionCookie(created)!;
    const sameDevice = await request(hs.server)
      .get('/read')
      .set('x-device-id', 'dev-1')
      .set('User-Agent', THIEF_UA)
      .set('Cookie', cookie);
    expect(sameDevice.body).toMatchObject({ isNew: false, data: { a: 1 } });
    const other = await request(hs.server).get('/read').set('x-device-id', 'dev-2').set('Cookie', cookie);
    expect(other.body.isNew).toBe(true);
    const none = await request(hs.server).get('/read').set('Cookie', cookie);
    expect(none.body.isNew).toBe(true);
  });

  it('a session regenerated at login is bound to the client that logged in', async () => {
    const hs = await start({ fingerprint: true, logger: spyLogger() });
    const login = await request(hs.server).post('/login').set('User-Agent', OWNER_UA).send({ userId: 'u' });
    const cookie = sessionCookie(login)!;
    expect((await request(hs.server).get('/me').set('User-Agent', OWNER_UA).set('Cookie', cookie)).body.userId).toBe(
      'u',
    );
    expect(
      (await request(hs.server).get('/me').set('User-Agent', THIEF_UA).set('Cookie', cookie)).body.userId,
    ).toBeNull();
  });

  it('sessions from the token API carry no fingerprint: any client holding the token may use it', async () => {
    const hs = await start({ fingerprint: true, transport: ['cookie', 'header'], logger: spyLogger() });
    const token = await hs.app.get(SessionService).create({ userId: 'service' });
    for (const ua of [OWNER_UA, THIEF_UA]) {
      const res = await request(hs.server).get('/me').set('User-Agent', ua).set('x-session-token', token);
      expect(res.body.userId).toBe('service');
    }
  });
});
