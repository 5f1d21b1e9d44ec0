import { afterEach, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { adapterVariants, storeVariants } from '../support/variants.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Lifetimes of a second or so: wide enough that a loaded machine's slow request stays inside them.

describe.each(adapterVariants.map((a) => [a.name, a] as const))(
  'expiry and touch (%s + MemoryStore)',
  (_n, adapter) => {
    let h: Harness | undefined;
    const memory = storeVariants()[0]!;
    afterEach(async () => {
      await h?.close();
      h = undefined;
    });

    it('ends a session after maxAge of inactivity', async () => {
      h = await createHarness({ adapter, store: memory, options: { maxAge: 1_000 } });
      const first = await request(h.server).get('/counter');
      const cookie = sessionCookie(first)!;
      expect(setCookies(first)[0]).toMatch(/Max-Age=1;/);
      expect((await request(h.server).get('/counter').set('Cookie', cookie)).body.visits).toBe(2);
      await sleep(1_300);
      expect((await request(h.server).get('/counter').set('Cookie', cookie)).body.visits).toBe(1);
    });

    it('keeps a session alive while it is used (each write extends it)', async () => {
      h = await createHarness({ adapter, store: memory, options: { maxAge: 1_000 } });
      // The cookie is sent by hand: supertest's jar expires it by its Expires
      // attribute, which has whole seconds only and may lie in the past already.
      let cookie: string | undefined;
      for (let i = 1; i <= 4; i++) {
        const req = request(h.server).get('/counter');
        const res = await (cookie ? req.set('Cookie', cookie) : req);
        expect(res.body.visits).toBe(i);
        cookie = sessionCookie(res) ?? cookie;
        await sleep(150);
      }
    });

    it('touches an unchanged session at most once per touchAfter', async () => {
      h = await createHarness({ adapter, store: memory, options: { maxAge: 60_000, touchAfter: 1_000 } });
      const first = await request(h.server).post('/set/a').send({ value: 1 });
      const cookie = sessionCookie(first)!;
      const touch = jest.spyOn(h.store, 'touch' as never);
      await request(h.server).get('/read').set('Cookie', cookie);
      await request(h.server).get('/read').set('Cookie', cookie);
      expect(touch).not.toHaveBeenCalled();
      await sleep(1_100);
      const touched = await request(h.server).get('/read').set('Cookie', cookie);
      expect(touch).toHaveBeenCalledTimes(1);
      expect(sessionCookie(touched)).toBe(cookie); // the cookie's expiry is refreshed with the store's
      await request(h.server).get('/read').set('Cookie', cookie);
      expect(touch).toHaveBeenCalledTimes(1);
    });

    it('with rolling, refreshes expiry and re-sends the cookie on every response, even for routes without the session', async () => {
      h = await createHarness({ adapter, store: memory, options: { maxAge: 60_000, rolling: true } });
      const first = await request(h.server).post('/set/a').send({ value: 1 });
      const cookie = sessionCookie(first)!;
      const anon = await request(h.server).get('/anon').set('Cookie', cookie);
      expect(sessionCookie(anon)).toBe(cookie);
      const read = await request(h.server).get('/read').set('Cookie', cookie);
      expect(sessionCookie(read)).toBe(cookie);
    });

    it('without rolling, an unchanged read inside touchAfter sends no cookie', async () => {
      h = await createHarness({ adapter, store: memory });
      const first = await request(h.server).post('/set/a').send({ value: 1 });
      const read = await request(h.server).get('/read').set('Cookie', sessionCookie(first)!);
      expect(setCookies(read)).toEqual([]);
    });

    it('with saveUninitialized, stores and sends a cookie for a new untouched session', async () => {
      h = await createHarness({ adapter, store: memory, options: { saveUninitialized: true } });
      const res = await request(h.server).get('/read');
      expect(sessionCookie(res)).toBeDefined();
      expect(await h.store.length!()).toBe(1);
    });

    it('maxAge 0 sessions never expire in the store', async () => {
      h = await createHarness({ adapter, store: memory, options: { maxAge: 0 } });
      const res = await request(h.server).post('/set/a').send({ value: 1 });
      const [{ record }] = (await h.store.all!()) as unknown as [{ record: { meta: { idleExpiresAt: number } } }];
      expect(record.meta.idleExpiresAt).toBe(0);
      expect(setCookies(res)[0]).toMatch(/Max-Age=34560000/);
    });
  },
);
