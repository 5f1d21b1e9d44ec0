import { afterEach, describe, expect, it, jest } from '@jest/globals';
import request from 'supertest';
import type { SessionStore } from '../../lib/index.js';
import { sessionCookie, setCookies } from '../support/cookies.js';
import { FlakyMemoryStore, KeepForeverStore, NeverAnsweringStore } from '../support/failing-stores.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { adapterVariants, type StoreVariant } from '../support/variants.js';

const express = adapterVariants.find((a) => a.name === 'express')!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function variant(store: SessionStore): StoreVariant {
  return { name: store.constructor.name, create: async () => ({ store, cleanup: async () => store.close?.() }) };
}

describe('checklist B: fixation and lifecycle', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('#21 #22 login regenerates: new id, old record gone, pre-login values dropped unless kept, replay is anonymous', async () => {
    const store = new FlakyMemoryStore();
    h = await createHarness({ adapter: express, store: variant(store) });
    const agent = request.agent(h.server);
    const pre = await agent.post('/set/_csrf').send({ value: 'pre-login' });
    await agent.post('/set/cart').send({ value: ['kept'] });
    const preId = (await agent.get('/read')).body.id as string;
    const login = await agent.post('/login').send({ userId: 'victim' });
    expect(login.body.id).not.toBe(preId);
    expect(await store.get(preId)).toBeNull();
    expect((await agent.get('/read')).body.data).toEqual({ cart: ['kept'], userId: 'victim' });
    expect((await request(h.server).get('/me').set('Cookie', sessionCookie(pre)!)).body.userId).toBeNull();
  });

  it('#24 logout is server-side: the replayed cookie is anonymous and the record is gone', async () => {
    const store = new FlakyMemoryStore();
    h = await createHarness({ adapter: express, store: variant(store) });
    const login = await request(h.server).post('/login').send({ userId: 'u' });
    const cookie = sessionCookie(login)!;
    await request(h.server).post('/logout').set('Cookie', cookie);
    expect(await store.length()).toBe(0);
    expect((await request(h.server).get('/me').set('Cookie', cookie)).body.userId).toBeNull();
  });

  it('#25 a failing delete is a clear 503, never a successful logout, and the session survives', async () => {
    const store = new FlakyMemoryStore();
    h = await createHarness({ adapter: express, store: variant(store) });
    const login = await request(h.server).post('/login').send({ userId: 'u' });
    const cookie = sessionCookie(login)!;
    store.failing.add('destroy');
    const out = await request(h.server).post('/logout').set('Cookie', cookie);
    expect(out.status).toBe(503);
    expect(out.body).toEqual({ statusCode: 503, message: 'Session store unavailable', error: 'Service Unavailable' });
    expect(setCookies(out)).toEqual([]);
    store.failing.clear();
    expect((await request(h.server).get('/me').set('Cookie', cookie)).body.userId).toBe('u');
  });

  it('#26 idle timeout: a replayed cookie after maxAge is rejected and the record deleted', async () => {
    const store = new KeepForeverStore();
    h = await createHarness({ adapter: express, store: variant(store), options: { maxAge: 300 } });
    const login = await request(h.server).post('/login').send({ userId: 'idle' });
    const cookie = sessionCookie(login)!;
    await sleep(400);
    expect((await request(h.server).get('/me').set('Cookie', cookie)).body.userId).toBeNull();
    expect(await store.length()).toBe(0);
  });

  it('#28 no resurrection with rolling and a store that keeps records: expiry comes from the stored deadline', async () => {
    const store = new KeepForeverStore();
    h = await createHarness({ adapter: express, store: variant(store), options: { maxAge: 300, rolling: true } });
    const login = await request(h.server).post('/login').send({ userId: 'r' });
    const cookie = sessionCookie(login)!;
    await sleep(150);
    expect((await request(h.server).get('/me').set('Cookie', cookie)).body.userId).toBe('r'); // rolling extends
    await sleep(400);
    const late = await request(h.server).get('/me').set('Cookie', cookie);
    expect(late.body.userId).toBeNull();
    expect(await store.length()).toBe(0);
  });

  it('#34 anonymous requests that write nothing cause no store write and no Set-Cookie', async () => {
    const store = new FlakyMemoryStore();
    h = await createHarness({ adapter: express, store: variant(store) });
    const writes = ['set', 'create', 'patch', 'touch'].map((m) => jest.spyOn(store, m as 'set'));
    for (let i = 0; i < 20; i++) {
      const res = await request(h.server).get('/read');
      expect(setCookies(res)).toEqual([]);
    }
    for (const w of writes) expect(w).not.toHaveBeenCalled();
  });

  it('#35 a corrupt stored record (truncated JSON, missing meta) is treated as no session, without a crash', async () => {
    const store = new FlakyMemoryStore();
    h = await createHarness({ adapter: express, store: variant(store) });
    const made = await request(h.server).post('/set/a').send({ value: 1 });
    const cookie = sessionCookie(made)!;
    const id = (await request(h.server).get('/read').set('Cookie', cookie)).body.id as string;
    const entries = (store as unknown as { entries: Map<string, { json: string; expiresAt: number }> }).entries;
    for (const json of ['{"v":1,"meta":{"crea', '{"v":1,"data":{}}', 'null', '[]']) {
      entries.set(id, { json, expiresAt: 0 });
      const res = await request(h.server).get('/read').set('Cookie', cookie);
      expect(res.status).toBe(200);
      expect(res.body.isNew).toBe(true);
      expect(res.body.id).not.toBe(id);
    }
  });

  it('#35 the content of a corrupt record is never logged, and its id is never adopted', async () => {
    const store = new FlakyMemoryStore();
    const lines: string[] = [];
    const keep = (...parts: unknown[]) => void lines.push(parts.map((p) => JSON.stringify(p) ?? String(p)).join(' '));
    const logger = { log: keep, error: keep, warn: keep, debug: keep, verbose: keep, fatal: keep };
    h = await createHarness({ adapter: express, store: variant(store), options: { logger } });
    const cookie = sessionCookie(await request(h.server).post('/set/a').send({ value: 1 }))!;
    const id = (await request(h.server).get('/read').set('Cookie', cookie)).body.id as string;
    const entries = (store as unknown as { entries: Map<string, { json: string; expiresAt: number }> }).entries;
    entries.set(id, { json: '{"v":1,"meta":{"createdAt":"SECRET-CONTENT', expiresAt: 0 });
    const res = await request(h.server).post('/set/b').set('Cookie', cookie).send({ value: 2 });
    expect(res.status).toBe(200);
    const fresh = (await request(h.server).get('/read').set('Cookie', sessionCookie(res)!)).body;
    expect(fresh.id).not.toBe(id);
    expect(fresh.data).toEqual({ b: 2 });
    expect(lines.join('\n')).not.toContain('SECRET-CONTENT');
  });

  it('#44 a store that never answers: the module deadline gives a 503', async () => {
    const store = new NeverAnsweringStore();
    h = await createHarness({ adapter: express, store: variant(store), options: { storeTimeout: 200 } });
    const started = Date.now();
    const res = await request(h.server)
      .get('/read')
      .set('Cookie', `sid=${'A'.repeat(43)}.${'A'.repeat(43)}`);
    // A forged token never reaches the store; use a real one.
    expect(res.status).toBe(200);
    const made = await request(h.server).post('/set/x').send({ value: 1 });
    const real = sessionCookie(made);
    expect(real).toBeDefined();
    const hung = await request(h.server).get('/read').set('Cookie', real!);
    expect(hung.status).toBe(503);
    expect(setCookies(hung)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await request(h.server).get('/anon')).status).toBe(200);
  });
});
