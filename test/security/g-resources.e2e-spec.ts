import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { LoggerService } from '@nestjs/common';
import autocannon from 'autocannon';
import type { AddressInfo } from 'node:net';
import { MemoryStore, type SessionRecord } from '../../lib/index.js';
import { createHarness, type Harness } from '../support/session-harness.js';
import { adapterVariants, type StoreVariant } from '../support/variants.js';

const express = adapterVariants.find((a) => a.name === 'express')!;

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the tests with node --expose-gc (npm test does)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Fire `amount` requests at the app with autocannon (bounded count, loopback only). */
async function flood(h: Harness, amount: number, headers: Record<string, string> = {}): Promise<autocannon.Result> {
  if (!(h.app.getHttpServer() as { listening: boolean }).listening) await h.app.listen(0, '127.0.0.1');
  const { port } = h.app.getHttpServer().address() as AddressInfo;
  return autocannon({ url: `http://127.0.0.1:${port}/read`, amount, connections: 10, headers });
}

describe('checklist G: resource exhaustion', () => {
  it('#79 memory soak: 100 000 create/destroy cycles on the MemoryStore return the heap near its baseline', async () => {
    const store = new MemoryStore({ reapInterval: 0 });
    const now = Date.now();
    const record: SessionRecord = {
      v: 1,
      meta: {
        createdAt: now,
        lastActiveAt: now,
        idleExpiresAt: now + 60_000,
        absoluteExpiresAt: 0,
        maxAge: 60_000,
        owner: 'u',
      },
      data: { userId: 'u', blob: 'x'.repeat(200) },
    };
    for (let i = 0; i < 1_000; i++) await store.set(`warm${i}`, record, 60_000);
    await store.clear();
    const baseline = heapAfterGc();
    for (let i = 0; i < 100_000; i++) {
      await store.create(`s${i}`, record, 60_000);
      await store.destroy(`s${i}`);
    }
    expect(await store.length()).toBe(0);
    expect(heapAfterGc() - baseline).toBeLessThan(2 * 1024 * 1024);
    await store.close();
  }, 90_000);

  describe('floods', () => {
    let h: Harness;
    let store: MemoryStore;
    const warn = jest.fn();
    beforeAll(async () => {
      store = new MemoryStore();
      const variant: StoreVariant = { name: 'memory', create: async () => ({ store, cleanup: () => store.close() }) };
      const logger: LoggerService = { log: jest.fn(), error: jest.fn(), warn };
      h = await createHarness({ adapter: express, store: variant, options: { logger } });
    });
    afterAll(() => h.close());

    it('#81 10 000 cookieless requests that write nothing: zero store writes, flat memory', async () => {
      const writes = ['set', 'create', 'patch', 'touch', 'get'].map((m) => jest.spyOn(store, m as 'set'));
      const before = heapAfterGc();
      const result = await flood(h, 10_000);
      expect(result.non2xx).toBe(0);
      expect(result['2xx']).toBe(10_000);
      for (const w of writes) expect(w).not.toHaveBeenCalled();
      expect(await store.length()).toBe(0);
      expect(heapAfterGc() - before).toBeLessThan(8 * 1024 * 1024);
      writes.forEach((w) => w.mockRestore());
    }, 90_000);

    it('#82 10 000 forged cookies: zero store calls, and a guessing warning is logged', async () => {
      const calls = ['get', 'set', 'create', 'patch', 'touch', 'destroy'].map((m) => jest.spyOn(store, m as 'get'));
      const forged = `sid=${'A'.repeat(43)}.${'B'.repeat(43)}`;
      const result = await flood(h, 10_000, { cookie: forged });
      expect(result['2xx']).toBe(10_000);
      for (const c of calls) expect(c).not.toHaveBeenCalled();
      expect(warn.mock.calls.some(([m]) => /invalid session tokens/.test(String(m)))).toBe(true);
      calls.forEach((c) => c.mockRestore());
    }, 90_000);
  });
});
