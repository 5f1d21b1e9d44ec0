import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { createHarness, matrix, type Harness } from '../support/session-harness.js';

describe.each(matrix())('checklist D: concurrency (%s)', (_name, adapter, store) => {
  let h: Harness;
  const ids: string[] = [];
  beforeAll(async () => {
    // Hands out queued ids first, so a collision can be staged (#53).
    const genid = () => ids.shift() ?? randomBytes(32).toString('base64url');
    h = await createHarness({ adapter, store, options: { genid } });
  });
  afterAll(() => h.close());

  it('#49 parallel writes to different keys both persist', async () => {
    const first = await request(h.server).post('/set/seed').send({ value: 0 });
    const cookie = sessionCookie(first)!;
    await Promise.all([
      request(h.server).post('/set/a?delay=60').set('Cookie', cookie).send({ value: 1 }),
      request(h.server).post('/set/b?delay=10').set('Cookie', cookie).send({ value: 2 }),
    ]);
    expect((await request(h.server).get('/read').set('Cookie', cookie)).body.data).toEqual({ seed: 0, a: 1, b: 2 });
  });

  it('#50 a logout is not undone by a slower request of the same session that saves afterwards', async () => {
    const login = await request(h.server).post('/login').send({ userId: 'slow' });
    const cookie = sessionCookie(login)!;
    const slow = request(h.server).post('/set/late?delay=300').set('Cookie', cookie).send({ value: 'after logout' });
    const slowDone = slow.then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await request(h.server).post('/logout').set('Cookie', cookie);
    const late = await slowDone;
    expect(late.status).toBe(200);
    const lateCookie = sessionCookie(late);
    if (lateCookie !== undefined) {
      // On a loaded machine the slow request may load only after the logout: it then starts
      // a fresh, empty session of its own, which must not be the logged-out one.
      expect(lateCookie).not.toBe(cookie);
      const fresh = await request(h.server).get('/read').set('Cookie', lateCookie);
      expect(fresh.body.data).toEqual({ late: 'after logout' });
    }
    const replay = await request(h.server).get('/read').set('Cookie', cookie);
    expect(replay.body.isNew).toBe(true);
    expect(replay.body.data).toEqual({});
  });

  it('#51 a regenerate is not undone: the old id is not recreated by a request in flight', async () => {
    const first = await request(h.server)
      .post('/set/cart')
      .send({ value: ['x'] });
    const oldCookie = sessionCookie(first)!;
    const oldId = (await request(h.server).get('/read').set('Cookie', oldCookie)).body.id as string;
    const inFlight = request(h.server)
      .post('/set/late?delay=150')
      .set('Cookie', oldCookie)
      .send({ value: 1 })
      .then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await request(h.server).post('/login').set('Cookie', oldCookie).send({ userId: 'u' });
    await inFlight;
    expect(await h.store.get(oldId)).toBeNull();
  });

  it('#53 an id collision on create draws a new id and leaves the existing session untouched', async () => {
    const fixed = randomBytes(32).toString('base64url');
    ids.push(fixed);
    const owner = await request(h.server).post('/set/who').send({ value: 'first' });
    const ownerCookie = sessionCookie(owner)!;
    expect(ownerCookie.startsWith(`sid=${fixed}.`)).toBe(true);
    ids.push(fixed);
    const second = await request(h.server).post('/set/who').send({ value: 'second' });
    expect(sessionCookie(second)!.startsWith(`sid=${fixed}.`)).toBe(false);
    expect((await request(h.server).get('/read').set('Cookie', ownerCookie)).body.data).toEqual({ who: 'first' });
  });

  it('#54 parallel first requests without a cookie leave no orphan records and carry at most one session cookie', async () => {
    const before = await h.store.length!();
    const reads = await Promise.all(Array.from({ length: 20 }, () => request(h.server).get('/read')));
    expect(reads.every((r) => setCookies(r).length === 0)).toBe(true);
    expect(await h.store.length!()).toBe(before);
    const writes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => request(h.server).post('/set/n').send({ value: i })),
    );
    for (const w of writes) expect(setCookies(w).filter((c) => c.startsWith('sid='))).toHaveLength(1);
    expect(await h.store.length!()).toBe(before + 20);
  });
});
