import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createHmac } from 'node:crypto';
import request from 'supertest';
import { SessionDataException, SessionService, type SessionStore } from '../../lib/index.js';
import { SessionRuntime } from '../../lib/lifecycle/session-runtime.js';
import { publicIdOf } from '../../lib/transport/session-token.js';
import { createHarness, matrix, type Harness } from '../support/session-harness.js';
import { TestController } from '../support/test-controller.js';
import { TokenController } from '../support/token-controller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const HEADER = 'x-session-token';

/** The public id (store key, `session.id`) of a token. */
function idOf(token: string): string {
  return publicIdOf(token.slice(0, token.lastIndexOf('.')));
}

/** Spy on every store write and read, to prove a bad token costs nothing. */
function spyStore(store: SessionStore) {
  const names = ['get', 'set', 'destroy', 'create', 'patch', 'touch'] as const;
  const spies = names.filter((m) => typeof store[m] === 'function').map((m) => jest.spyOn(store, m as 'get'));
  return {
    calls: () => spies.reduce((n, s) => n + s.mock.calls.length, 0),
    restore: () => spies.forEach((s) => s.mockRestore()),
  };
}

describe.each(matrix())('token-level SessionService API (%s)', (_name, adapter, store) => {
  let h: Harness;
  let sessions: SessionService;
  let valid: string;
  beforeAll(async () => {
    h = await createHarness({
      adapter,
      store,
      controllers: [TestController, TokenController],
      options: { transport: ['cookie', 'header'], maxAge: 60_000 },
    });
    sessions = h.app.get(SessionService);
    valid = await sessions.create({ probe: true });
  });
  afterAll(() => h.close());

  it('create → get → update → refresh → delete round trip', async () => {
    const token = await sessions.create({ userId: 'u1', scopes: ['read'], plan: 'free' });
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
    expect(await sessions.get(token)).toEqual({ userId: 'u1', scopes: ['read'], plan: 'free' });

    // update replaces the data: `plan` is gone, `scopes` changed.
    expect(await sessions.update(token, { userId: 'u1', scopes: ['read', 'write'] })).toBe(true);
    expect(await sessions.get(token)).toEqual({ userId: 'u1', scopes: ['read', 'write'] });

    const before = (await h.store.get(idOf(token)))!.meta;
    await sleep(20);
    expect(await sessions.refresh(token)).toBe(true);
    const after = (await h.store.get(idOf(token)))!.meta;
    expect(after.lastActiveAt).toBeGreaterThan(before.lastActiveAt);
    expect(after.idleExpiresAt).toBeGreaterThan(before.idleExpiresAt);
    expect(after.createdAt).toBe(before.createdAt);
    expect(await sessions.get(token)).toEqual({ userId: 'u1', scopes: ['read', 'write'] });

    expect(await sessions.delete(token)).toBe(true);
    expect(await h.store.get(idOf(token))).toBeNull();
    expect(await sessions.get(token)).toBeNull();
    expect(await sessions.update(token, { userId: 'u1' })).toBe(false);
    expect(await sessions.refresh(token)).toBe(false);
    // update never resurrects a deleted session.
    expect(await h.store.get(idOf(token))).toBeNull();
  });

  it('get returns a copy: changing it does not change the session', async () => {
    const token = await sessions.create({ n: 1 });
    const data = (await sessions.get(token))!;
    data.n = 2;
    expect(await sessions.get(token)).toEqual({ n: 1 });
  });

  it('stores the record under the public id (hash of the token’s secret), never the token', async () => {
    const token = await sessions.create({ userId: 'hash-check' });
    const secretId = token.slice(0, token.lastIndexOf('.'));
    expect(await h.store.get(secretId)).toBeNull();
    expect(await h.store.get(token)).toBeNull();
    const record = (await h.store.get(idOf(token)))!;
    expect(record.data).toEqual({ userId: 'hash-check' });
    expect(JSON.stringify(record)).not.toContain(secretId);
  });

  it('maxAge: 0 never expires: no TTL in the store, no idle deadline, still alive after the module’s maxAge', async () => {
    // maxAge leaves the default token a wide margin on a loaded machine before it must be gone.
    const hs = await createHarness({ adapter, store, options: { maxAge: 1_000 } });
    try {
      const service = hs.app.get(SessionService);
      // The gateway, not the store: every store gets its writes through it, with or without create().
      const create = jest.spyOn(hs.app.get(SessionRuntime).gateway, 'create');
      const forever = await service.create({ kind: 'service' }, { maxAge: 0 });
      const defaulted = await service.create({ kind: 'default' });
      const short = await service.create({ kind: 'short' }, { maxAge: 60 });
      const ttls = create.mock.calls.map((call) => (call as unknown[])[2]);
      create.mockRestore();
      expect(ttls[0]).toBe(0);
      expect(ttls[1]).toBeGreaterThan(900);
      expect(ttls[1]).toBeLessThanOrEqual(1_000);
      expect(ttls[2]).toBeLessThanOrEqual(60);
      const meta = (await hs.store.get(idOf(forever)))!.meta;
      expect(meta.idleExpiresAt).toBe(0);
      expect(meta.absoluteExpiresAt).toBe(0);
      expect(meta.maxAge).toBe(0);

      await sleep(150);
      expect(await service.get(short)).toBeNull();
      expect(await service.get(defaulted)).toEqual({ kind: 'default' });
      await sleep(1_000);
      expect(await service.get(defaulted)).toBeNull();
      expect(await service.get(forever)).toEqual({ kind: 'service' });
      // Refreshing and updating a never-expiring token keeps it never-expiring.
      expect(await service.refresh(forever)).toBe(true);
      expect(await service.update(forever, { kind: 'service', v: 2 })).toBe(true);
      const later = (await hs.store.get(idOf(forever)))!.meta;
      expect(later.idleExpiresAt).toBe(0);
    } finally {
      await hs.close();
    }
  });

  it('a token from create() works as a header token and as a cookie value on a request', async () => {
    const token = await sessions.create({ userId: 'api-user', visits: 10 });
    const viaHeader = await request(h.server).get('/counter').set(HEADER, token);
    expect(viaHeader.body).toEqual({ visits: 11, id: idOf(token) });
    const viaCookie = await request(h.server).get('/counter').set('Cookie', `sid=${token}`);
    expect(viaCookie.body).toEqual({ visits: 12, id: idOf(token) });
    // And the request's writes are visible to the token API.
    expect(await sessions.get(token)).toEqual({ userId: 'api-user', visits: 12 });
  });

  const tamper = (t: string) => `${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`;
  const otherSecret = (t: string) => {
    const secretId = t.slice(0, t.lastIndexOf('.'));
    return `${secretId}.${createHmac('sha256', 'another-secret-of-32-characters-or-more').update(secretId).digest('base64url')}`;
  };
  const badTokens: Array<[string, () => unknown]> = [
    ['a tampered MAC', () => tamper(valid)],
    ['a tampered id', () => `${valid[0] === 'B' ? 'C' : 'B'}${valid.slice(1)}`],
    ['a token signed with another secret', () => otherSecret(valid)],
    ['the bare secret id', () => valid.slice(0, valid.lastIndexOf('.'))],
    ['the public id', () => idOf(valid)],
    ['garbage', () => 'garbage'],
    ['an empty string', () => ''],
    ['a 10 KB string', () => 'A'.repeat(10_000)],
    ['undefined', () => undefined],
    ['null', () => null],
    ['a number', () => 42],
    ['an object', () => ({ toString: () => valid })],
  ];

  it.each(badTokens)('%s: get → null, update/refresh/delete → false, no store call', async (_label, make) => {
    const bad = make() as string;
    const spy = spyStore(h.store);
    try {
      expect(await sessions.get(bad)).toBeNull();
      expect(await sessions.update(bad, { evil: true })).toBe(false);
      expect(await sessions.refresh(bad)).toBe(false);
      expect(await sessions.delete(bad)).toBe(false);
      expect(spy.calls()).toBe(0);
    } finally {
      spy.restore();
    }
    // The genuine session is untouched.
    expect(await sessions.get(valid)).toEqual({ probe: true });
  });

  it('a correctly signed token the store does not know gives null / false', async () => {
    const token = await sessions.create({ soon: 'gone' });
    await h.store.destroy(idOf(token));
    expect(await sessions.get(token)).toBeNull();
    expect(await sessions.update(token, { back: true })).toBe(false);
    expect(await sessions.refresh(token)).toBe(false);
    expect(await h.store.get(idOf(token))).toBeNull();
  });

  it.each([
    ['garbage', 'garbage'],
    ['a tampered token', 'tampered'],
    ['a number', 7],
    ['null', null],
  ])('over HTTP, %s gives 200 with null / false and is never echoed', async (_label, raw) => {
    const token = raw === 'tampered' ? tamper(valid) : raw;
    const res = await request(h.server).post('/api/inspect').send({ token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: null, updated: false, refreshed: false, deleted: false });
    if (typeof token === 'string') expect(res.text).not.toContain(token);
  });

  it('refuses bad create() input with a clear error that carries no data', async () => {
    await expect(sessions.create({ fine: 1 }, { maxAge: -1 })).rejects.toThrow(/maxAge/);
    await expect(sessions.create({ fine: 1 }, { maxAge: 1.5 })).rejects.toThrow(/maxAge/);
    await expect(sessions.create({ save: 'secret-value' })).rejects.toThrow(SessionDataException);
    await expect(sessions.create({ save: 'secret-value' })).rejects.not.toThrow(/secret-value/);
    await expect(sessions.create(['not', 'an', 'object'] as never)).rejects.toThrow(SessionDataException);
    await expect(sessions.create({ big: 'x'.repeat(70_000) })).rejects.toThrow(SessionDataException);
  });

  it('update() refuses data over maxBytes and keeps the stored version', async () => {
    const token = await sessions.create({ keep: 'me' });
    await expect(sessions.update(token, { big: 'x'.repeat(70_000) })).rejects.toThrow(SessionDataException);
    expect(await sessions.get(token)).toEqual({ keep: 'me' });
  });
});
