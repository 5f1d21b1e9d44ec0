import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import type { SessionRecord } from '../../lib/index.js';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { SecurityController } from '../support/security-controller.js';
import { createHarness, matrix, type Harness } from '../support/session-harness.js';
import { TestController } from '../support/test-controller.js';

describe.each(matrix())('checklist E: serialization (%s)', (_name, adapter, store) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      adapter,
      store,
      options: { maxBytes: 4_096 },
      controllers: [TestController, SecurityController],
    });
  });
  afterAll(() => h.close());

  /** A stored session with a=1, its cookie and public id. */
  async function seeded(): Promise<{ cookie: string; id: string }> {
    const res = await request(h.server).post('/set/a').send({ value: 1 });
    const cookie = sessionCookie(res)!;
    const id = (await request(h.server).get('/read').set('Cookie', cookie)).body.id as string;
    return { cookie, id };
  }

  it('#57 Dates come back as ISO strings, consistently, and compare after reload', async () => {
    const { cookie } = await seeded();
    await request(h.server).post('/sec/date').set('Cookie', cookie);
    const data = (await request(h.server).get('/read').set('Cookie', cookie)).body.data as { when: string };
    expect(data.when).toBe('2026-01-02T03:04:05.000Z');
    expect(new Date(data.when).getTime()).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
  });

  it.each([
    ['#58 BigInt', '/sec/bigint', /BigInt/],
    ['#59 circular reference', '/sec/circular', /circular reference/],
    ['#80 data over maxBytes', '/sec/huge?bytes=10000', /over maxBytes \(4096\)/],
  ])(
    '%s: save fails with a typed 500 naming the problem, the stored version stays intact',
    async (_label, route, message) => {
      const { cookie } = await seeded();
      const res = await request(h.server).post(route).set('Cookie', cookie);
      expect(res.status).toBe(500);
      expect(res.body.message).toMatch(message);
      expect(JSON.stringify(res.body)).not.toMatch(/xxxxxxxx|self/); // the key is named, never the value
      expect(setCookies(res)).toEqual([]);
      expect((await request(h.server).get('/read').set('Cookie', cookie)).body.data).toEqual({ a: 1 });
    },
  );

  it('#60 lossy values follow JSON: undefined dropped, NaN → null, Infinity → null', async () => {
    const { cookie } = await seeded();
    await request(h.server).post('/sec/values').set('Cookie', cookie).send({ n: 1 });
    const res = await request(h.server)
      .post('/sec/values')
      .set('Cookie', cookie)
      .send({ nested: { keep: 1 } });
    expect(res.status).toBe(200);
    expect((await request(h.server).get('/read').set('Cookie', cookie)).body.data).toEqual({
      a: 1,
      n: 1,
      nested: { keep: 1 },
    });
  });

  it('#61 #62 a poisoned stored record: prototype keys dropped, reserved names cannot shadow methods', async () => {
    const { cookie, id } = await seeded();
    const stored = (await h.store.get(id))!;
    const poisoned = JSON.parse(
      `{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"save":"x","destroy":1,"id":"forged","cookie":null,"toJSON":2,"fine":"yes"}`,
    ) as SessionRecord['data'];
    await h.store.set(id, { ...stored, data: poisoned }, 60_000);
    const read = await request(h.server).get('/read').set('Cookie', cookie);
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(id);
    expect(read.body.data).toEqual({ fine: 'yes' });
    expect((await request(h.server).get('/sec/methods').set('Cookie', cookie)).body).toEqual({
      save: 'function',
      destroy: 'function',
      id: 'string',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('#62 assigning a reserved name in a handler throws instead of replacing the method', async () => {
    const { cookie } = await seeded();
    expect((await request(h.server).post('/sec/reserved').set('Cookie', cookie)).body).toEqual({ threw: 'TypeError' });
  });

  it('#64 emoji, lone surrogates, NUL and RTL characters round-trip without corrupting other keys', async () => {
    const { cookie } = await seeded();
    const values = { emoji: '🍪🔐', lone: '\ud800', nul: 'a\u0000b', rtl: '\u202eevil\u202c', plain: 'ok' };
    await request(h.server).post('/sec/values').set('Cookie', cookie).send(values);
    const data = (await request(h.server).get('/read').set('Cookie', cookie)).body.data as Record<string, string>;
    expect(data.emoji).toBe('🍪🔐');
    expect(data.nul).toBe('a\u0000b');
    expect(data.rtl).toBe('\u202eevil\u202c');
    expect(data.plain).toBe('ok');
    expect(data.a).toBe(1);
    expect(typeof data.lone).toBe('string');
  });

  it('#65 a record in the v1 format (fixture) loads', async () => {
    const { cookie, id } = await seeded();
    const fixture = JSON.parse(
      readFileSync(new URL('../fixtures/record-v1.json', import.meta.url), 'utf8'),
    ) as SessionRecord;
    const now = Date.now();
    await h.store.set(
      id,
      { ...fixture, meta: { ...fixture.meta, createdAt: now, lastActiveAt: now, idleExpiresAt: now + 60_000 } },
      60_000,
    );
    expect((await request(h.server).get('/read').set('Cookie', cookie)).body.data).toEqual(fixture.data);
  });
});
