import { afterEach, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { SessionService, type SessionModuleOptions } from '../../lib/index.js';
import { SessionRuntime } from '../../lib/lifecycle/session-runtime.js';
import { publicIdOf } from '../../lib/transport/session-token.js';
import { sessionCookie } from '../support/cookies.js';
import { createHarness, matrix, type Harness } from '../support/session-harness.js';
import type { AdapterVariant, StoreVariant } from '../support/variants.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Long enough for two requests inside the limit on a loaded machine, short enough to wait out.
const ABSOLUTE = 900;
const EVERY = 150;
/**
 * How late the spy below may see a TTL the module computed a moment before
 * (a loaded machine adds tens of ms). Without the cap the deadlines would be
 * a whole maxAge (60 s, or never) away, so this still tells them apart.
 */
const SLACK = 100;

/**
 * Records, for every store write of the module, the latest instant the store
 * may keep the record (`now + ttl`); a TTL of 0 would mean "forever".
 */
function recordStoreDeadlines(h: Harness) {
  const gateway = h.app.get(SessionRuntime).gateway;
  const deadlines: Array<{ op: string; id: string; until: number }> = [];
  const spies = (['create', 'patch', 'touch'] as const).map((op) => {
    const original = gateway[op].bind(gateway) as (...args: unknown[]) => Promise<unknown>;
    return jest.spyOn(gateway, op).mockImplementation(((...args: unknown[]) => {
      const ttl = args[op === 'patch' ? 3 : 2] as number;
      deadlines.push({ op, id: args[0] as string, until: ttl === 0 ? Infinity : Date.now() + ttl });
      return original(...args);
    }) as never);
  });
  return { deadlines, restore: () => spies.forEach((s) => s.mockRestore()) };
}

describe.each(matrix())('absoluteMaxAge (%s)', (_name, adapter: AdapterVariant, store: StoreVariant) => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function start(options: Partial<SessionModuleOptions>): Promise<Harness> {
    h = await createHarness({ adapter, store, options });
    return h;
  }

  /**
   * Keeps a session busy every EVERY ms until past the absolute limit, and
   * checks it lived until shortly before the limit and was gone after it.
   */
  async function keepBusy(hs: Harness, path: string, method: 'get' | 'post'): Promise<void> {
    const first = await request(hs.server).post('/set/n').send({ value: 0 });
    let cookie = sessionCookie(first)!;
    const { id } = (await request(hs.server).get('/read').set('Cookie', cookie)).body;
    const record = await hs.store.get(id);
    expect(record!.meta.absoluteExpiresAt - record!.meta.createdAt).toBe(ABSOLUTE);

    const writes = recordStoreDeadlines(hs);
    try {
      let step = 0;
      const limit = record!.meta.createdAt + ABSOLUTE;
      while (Date.now() < limit - EVERY) {
        await sleep(EVERY);
        step++;
        const res = await (method === 'get' ? request(hs.server).get(path) : request(hs.server).post(path))
          .set('Cookie', cookie)
          .send({ value: step });
        const check = await request(hs.server)
          .get('/read')
          .set('Cookie', sessionCookie(res) ?? cookie);
        // Both answered before the hard limit: the same session, kept active. (Past
        // it, a response may carry a fresh session's cookie; the checks below keep the old one.)
        if (Date.now() < limit - 20) {
          expect(res.status).toBe(200);
          expect(check.body.id).toBe(id);
          expect(check.body.isNew).toBe(false);
          cookie = sessionCookie(res) ?? cookie;
        }
      }
      expect(step).toBeGreaterThanOrEqual(2);
      // Rolling, touches and writes all asked the store to keep it no later than createdAt + absolute.
      const ours = writes.deadlines.filter((d) => d.id === id);
      expect(ours.length).toBeGreaterThanOrEqual(2);
      for (const d of ours) expect(d.until).toBeLessThanOrEqual(record!.meta.createdAt + ABSOLUTE + SLACK);
    } finally {
      writes.restore();
    }

    // A store TTL is relative: it runs from when the store got the write, a little after the
    // module computed it (tens of ms on a loaded machine). So wait a bit past the limit.
    await sleep(Math.max(0, record!.meta.createdAt + ABSOLUTE + 300 - Date.now()));
    // The store's own TTL ended it (checked directly, before the module could delete it) …
    expect(await hs.store.get(id)).toBeNull();
    // … and the client now gets a fresh, empty session.
    const after = await request(hs.server).get('/read').set('Cookie', cookie);
    expect(after.body.isNew).toBe(true);
    expect(after.body.id).not.toBe(id);
    expect(after.body.data).toEqual({});
  }

  it('ends a session that keeps writing, after absoluteMaxAge from creation', async () => {
    const hs = await start({ absoluteMaxAge: ABSOLUTE, maxAge: 60_000 });
    await keepBusy(hs, '/set/n', 'post');
  });

  it('#27 ends a session kept alive by rolling reads (touch), after absoluteMaxAge from creation', async () => {
    const hs = await start({ absoluteMaxAge: ABSOLUTE, maxAge: 60_000, rolling: true });
    await keepBusy(hs, '/read', 'get');
  });

  it('also caps a maxAge: 0 ("never expires") session, and the cookie’s Max-Age', async () => {
    const hs = await start({ absoluteMaxAge: ABSOLUTE, maxAge: 0, rolling: true });
    const first = await request(hs.server).post('/set/n').send({ value: 0 });
    expect(sessionCookie(first)).toBeDefined();
    const line = (first.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('sid='))!;
    expect(line).toMatch(/Max-Age=1;/); // 900 ms, rounded up to whole seconds
    await keepBusy(hs, '/read', 'get');
  });

  it('applies to token sessions: refresh() never pushes one past its hard limit', async () => {
    const hs = await start({ absoluteMaxAge: ABSOLUTE, maxAge: 60_000 });
    const sessions = hs.app.get(SessionService);
    const token = await sessions.create({ userId: 'api' }, { maxAge: 0 });
    const id = publicIdOf(token.slice(0, token.lastIndexOf('.')));
    const meta = (await hs.store.get(id))!.meta;
    expect(meta.absoluteExpiresAt).toBe(meta.createdAt + ABSOLUTE);
    const writes = recordStoreDeadlines(hs);
    try {
      for (let i = 0; i < 3; i++) {
        await sleep(EVERY);
        expect(await sessions.refresh(token)).toBe(true);
      }
      expect(writes.deadlines.length).toBe(3);
      for (const d of writes.deadlines) expect(d.until).toBeLessThanOrEqual(meta.createdAt + ABSOLUTE + SLACK);
    } finally {
      writes.restore();
    }
    await sleep(Math.max(0, meta.createdAt + ABSOLUTE + 300 - Date.now())); // the TTL runs from the write, see above
    expect(await sessions.get(token)).toBeNull();
    expect(await sessions.refresh(token)).toBe(false);
  });

  it('regenerate starts a new hard limit for the new session', async () => {
    const hs = await start({ absoluteMaxAge: ABSOLUTE, maxAge: 60_000 });
    const first = await request(hs.server).post('/set/n').send({ value: 0 });
    await sleep(300);
    const login = await request(hs.server).post('/login').set('Cookie', sessionCookie(first)!).send({ userId: 'z' });
    const cookie = sessionCookie(login)!;
    await sleep(400); // 700 ms after the first session was created, 400 ms after login
    expect((await request(hs.server).get('/me').set('Cookie', cookie)).body.userId).toBe('z');
  });
});
