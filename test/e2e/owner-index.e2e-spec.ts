import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { SessionService } from '../../lib/index.js';
import { publicIdOf } from '../../lib/transport/session-token.js';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { createHarness, matrix, type Harness } from '../support/session-harness.js';
import { TestController } from '../support/test-controller.js';
import { TokenController } from '../support/token-controller.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const controllers = [TestController, TokenController];

/** A logged-in browser: its cookie and public session id. */
interface Device {
  cookie: string;
  id: string;
  ua: string;
}

const idOf = (token: string) => publicIdOf(token.slice(0, token.lastIndexOf('.')));

describe.each(matrix())('owner index: listByOwner / destroyByOwner (%s)', (_name, adapter, store) => {
  let h: Harness;
  let sessions: SessionService;
  let run = 0;
  // Stores may outlive one harness (a shared Redis): owners are unique per suite run and per test.
  const tag = Math.random().toString(36).slice(2, 8);
  beforeAll(async () => {
    h = await createHarness({ adapter, store, controllers, options: { requestContext: true } });
    sessions = h.app.get(SessionService);
  });
  afterAll(() => h.close());
  afterEach(() => void run++);

  /** Owner names unique per test, so stores shared across tests never mix them. */
  const user = (name: string) => `${name}-${tag}-${run}`;

  async function login(userId: string, ua: string): Promise<Device> {
    const res = await request(h.server).post('/login').set('User-Agent', ua).send({ userId });
    expect(res.status).toBe(200);
    return { cookie: sessionCookie(res)!, id: res.body.id as string, ua };
  }

  const whoAmI = async (d: Device) => (await request(h.server).get('/me').set('Cookie', d.cookie)).body.userId;

  it('three logins of one user: listByOwner shows them with user agents, timestamps and the current flag', async () => {
    const alice = user('alice');
    const t0 = Date.now();
    const laptop = await login(alice, 'Laptop/1.0');
    const phone = await login(alice, 'Phone/2.0');
    const tablet = await login(alice, 'Tablet/3.0');
    await login(user('bob'), 'Bob/1.0');

    const res = await request(h.server).get('/devices').set('Cookie', phone.cookie);
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).not.toBe('no-store'); // a listing carries public ids, not tokens
    const list = res.body as Array<Record<string, unknown>>;
    // Oldest first; logins within one millisecond may come in either order.
    const times = list.map((s) => Date.parse(s.createdAt as string));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    const byUa = (rows: Array<Record<string, unknown>>) =>
      rows.map((s) => [s.userAgent, s.id, s.current]).sort((x, y) => String(x[0]).localeCompare(String(y[0])));
    expect(byUa(list)).toEqual([
      ['Laptop/1.0', laptop.id, false],
      ['Phone/2.0', phone.id, true],
      ['Tablet/3.0', tablet.id, false],
    ]);
    for (const s of list) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'id', 'lastActiveAt', 'userAgent']);
      const created = Date.parse(s.createdAt as string);
      expect(created).toBeGreaterThanOrEqual(t0 - 5);
      expect(created).toBeLessThanOrEqual(Date.now());
      expect(Date.parse(s.lastActiveAt as string)).toBeGreaterThanOrEqual(created);
    }
    // Public ids only: nothing in the listing can be presented as a cookie.
    expect(res.text).not.toContain(phone.cookie.slice(4, 47));

    // From the service, outside any request: Date objects, no current session.
    const direct = await sessions.listByOwner(alice);
    expect(direct).toHaveLength(3);
    expect(direct[0]!.createdAt).toBeInstanceOf(Date);
    expect(direct.every((s) => s.current === false)).toBe(true);
  });

  it('#23 destroyByOwner(user, { except: current }) leaves exactly the current session; other users are untouched', async () => {
    const alice = user('alice');
    const bob = user('bob');
    const laptop = await login(alice, 'Laptop/1.0');
    const phone = await login(alice, 'Phone/2.0');
    const tablet = await login(alice, 'Tablet/3.0');
    const bobs = await login(bob, 'Bob/1.0');

    const res = await request(h.server).post('/logout-others').set('Cookie', phone.cookie);
    expect(res.body).toEqual({ ended: 2 });
    expect(setCookies(res).filter((c) => c.startsWith('sid=;'))).toEqual([]); // the current cookie is not cleared

    expect(await whoAmI(laptop)).toBeNull();
    expect(await whoAmI(tablet)).toBeNull();
    expect(await whoAmI(phone)).toBe(alice);
    expect(await whoAmI(bobs)).toBe(bob);
    const left = await sessions.listByOwner(alice);
    expect(left.map((s) => s.id)).toEqual([phone.id]);
    expect((await sessions.listByOwner(bob)).map((s) => s.id)).toEqual([bobs.id]);
    expect(await h.store.get(laptop.id)).toBeNull();
    expect(await h.store.get(tablet.id)).toBeNull();
  });

  it('destroyByOwner(user, { only: id }) ends that one session, and only when it is the user’s', async () => {
    const alice = user('alice');
    const bob = user('bob');
    const laptop = await login(alice, 'Laptop/1.0');
    const phone = await login(alice, 'Phone/2.0');
    const bobs = await login(bob, 'Bob/1.0');
    // Another user's id, named as if it were alice's: nothing happens.
    expect(await sessions.destroyByOwner(alice, { only: bobs.id })).toBe(0);
    expect(await whoAmI(bobs)).toBe(bob);
    expect(await sessions.destroyByOwner(alice, { only: laptop.id })).toBe(1);
    expect(await whoAmI(laptop)).toBeNull();
    expect(await whoAmI(phone)).toBe(alice);
    expect((await sessions.listByOwner(alice)).map((s) => s.id)).toEqual([phone.id]);
    expect(await sessions.destroyByOwner(alice, { only: laptop.id })).toBe(0); // already ended
  });

  it('except also takes the public id (session.id), or a token from create()', async () => {
    const carol = user('carol');
    const a = await login(carol, 'A/1');
    const b = await login(carol, 'B/1');
    const byId = await request(h.server).post('/logout-others-by-id').set('Cookie', b.cookie);
    expect(byId.body).toEqual({ ended: 1 });
    expect(await whoAmI(a)).toBeNull();
    expect(await whoAmI(b)).toBe(carol);

    const token = await sessions.create({ userId: carol, via: 'api' });
    expect(await sessions.destroyByOwner(carol, { except: idOf(token) })).toBe(1);
    expect(await sessions.get(token)).toEqual({ userId: carol, via: 'api' });
    expect(await whoAmI(b)).toBeNull();
    const again = await sessions.create({ userId: carol });
    expect(await sessions.destroyByOwner(carol, { except: token })).toBe(1);
    expect(await sessions.get(again)).toBeNull();
    expect((await sessions.listByOwner(carol)).map((s) => s.id)).toEqual([idOf(token)]);
  });

  it('#31 destroyByOwner without except ends every session of the owner, the current one included (cookie cleared)', async () => {
    const dan = user('dan');
    const a = await login(dan, 'A/1');
    const b = await login(dan, 'B/1');
    const res = await request(h.server).post('/logout-everywhere').set('Cookie', b.cookie);
    expect(res.body).toEqual({ ended: 2 });
    expect(setCookies(res).some((c) => c.startsWith('sid=;'))).toBe(true);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await whoAmI(a)).toBeNull();
    expect(await whoAmI(b)).toBeNull();
    expect(await sessions.listByOwner(dan)).toEqual([]);
    expect(await sessions.destroyByOwner(dan)).toBe(0);
  });

  it('marks the current session even on a route that never asked for it', async () => {
    const erin = user('erin');
    await login(erin, 'A/1');
    const b = await login(erin, 'B/1');
    const res = await request(h.server).get(`/devices/of/${erin}`).set('Cookie', b.cookie);
    const rows = res.body as Array<{ id: string; current: boolean }>;
    expect(rows).toHaveLength(2);
    expect(rows.filter((s) => s.current).map((s) => s.id)).toEqual([b.id]);
    const anonymous = await request(h.server).get(`/devices/of/${erin}`);
    expect((anonymous.body as Array<{ current: boolean }>).some((s) => s.current)).toBe(false);
  });

  it('keeps the index in step with the data: logout, owner change, and a session without an owner', async () => {
    const fay = user('fay');
    const gus = user('gus');
    const a = await login(fay, 'A/1');
    const b = await login(fay, 'B/1');
    await request(h.server).post('/logout').set('Cookie', a.cookie);
    expect((await sessions.listByOwner(fay)).map((s) => s.id)).toEqual([b.id]);

    // The same session now names another owner: it moves in the index.
    await request(h.server).post('/set/userId').set('Cookie', b.cookie).send({ value: gus });
    expect(await sessions.listByOwner(fay)).toEqual([]);
    expect((await sessions.listByOwner(gus)).map((s) => s.id)).toEqual([b.id]);

    // Numeric owner ids are matched as strings.
    const numericOwner = Math.floor(Math.random() * 1e9);
    const numeric = await sessions.create({ userId: numericOwner });
    expect((await sessions.listByOwner(numericOwner)).map((s) => s.id)).toEqual([idOf(numeric)]);
    expect((await sessions.listByOwner(String(numericOwner))).map((s) => s.id)).toEqual([idOf(numeric)]);

    // Dropping the owner key drops the session from the index.
    await request(h.server).post('/set/userId').set('Cookie', b.cookie).send({ value: null });
    expect(await sessions.listByOwner(gus)).toEqual([]);
  });

  it('#30 #85 an expired session disappears from the listing (and from destroyByOwner’s count)', async () => {
    const hal = user('hal');
    // Long enough to be listed on a loaded 2-core machine, short enough to wait out.
    const short = await sessions.create({ userId: hal }, { maxAge: 600 });
    const long = await sessions.create({ userId: hal }, { maxAge: 60_000 });
    expect(await sessions.listByOwner(hal)).toHaveLength(2);
    await sleep(800);
    const list = await sessions.listByOwner(hal);
    expect(list.map((s) => s.id)).toEqual([idOf(long)]);
    expect(list[0]!.userAgent).toBeUndefined(); // token sessions have no client
    expect(await sessions.get(short)).toBeNull();
    expect(await sessions.destroyByOwner(hal)).toBe(1);
  });

  it('refuses an owner id that is not a non-empty string or a number', async () => {
    await expect(sessions.listByOwner(undefined as never)).rejects.toThrow(TypeError);
    await expect(sessions.listByOwner('')).rejects.toThrow(TypeError);
    await expect(sessions.destroyByOwner(null as never)).rejects.toThrow(TypeError);
    await expect(sessions.destroyByOwner(NaN)).rejects.toThrow(TypeError);
  });
});

describe.each(matrix())('owner index with a custom ownerKey (%s)', (_name, adapter, store) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ adapter, store, controllers, options: { ownerKey: 'accountId', requestContext: true } });
  });
  afterAll(() => h.close());

  it('indexes by the configured key only', async () => {
    const sessions = h.app.get(SessionService);
    const account = `acct-${Math.random().toString(36).slice(2, 8)}`;
    const user = `${account}-user`;
    const token = await sessions.create({ accountId: account, userId: user });
    expect((await sessions.listByOwner(account)).map((s) => s.id)).toEqual([idOf(token)]);
    expect(await sessions.listByOwner(user)).toEqual([]);
    expect(await sessions.destroyByOwner(account)).toBe(1);
    expect(await sessions.get(token)).toBeNull();
  });
});
