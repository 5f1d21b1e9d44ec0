import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { dataTextOf } from './known-json.js';
import { MemoryStore } from './memory.store.js';
import type { SessionRecord } from './session-record.js';

function record(data: Record<string, unknown> = {}, owner?: string): SessionRecord {
  const now = Date.now();
  return {
    v: 1,
    meta: {
      createdAt: now,
      lastActiveAt: now,
      idleExpiresAt: now + 60_000,
      absoluteExpiresAt: 0,
      maxAge: 60_000,
      ...(owner && { owner }),
    },
    data,
  };
}

describe('MemoryStore', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('#55 returns a copy on every read, so callers never share a mutable object', async () => {
    const store = new MemoryStore();
    await store.set('a', record({ list: [1] }), 1000);
    const first = await store.get('a');
    (first!.data.list as number[]).push(2);
    expect((await store.get('a'))!.data).toEqual({ list: [1] });
    await store.close();
  });

  it('expires entries by TTL; ttl 0 never expires', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryStore({ reapInterval: 0 });
    await store.set('short', record(), 500);
    await store.set('forever', record(), 0);
    jest.setSystemTime(1_000_499);
    expect(await store.get('short')).not.toBeNull();
    jest.setSystemTime(1_000_500);
    expect(await store.get('short')).toBeNull();
    jest.setSystemTime(1_000_000 + 10 * 365 * 86_400_000);
    expect(await store.get('forever')).not.toBeNull();
  });

  it('#78 reaps expired entries nobody reads, on its timer', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryStore({ reapInterval: 1_000 });
    await store.set('a', record(), 500);
    await store.set('b', record(), 5_000);
    jest.advanceTimersByTime(1_000);
    expect((store as unknown as { entries: Map<string, unknown> }).entries.size).toBe(1);
    await store.close();
  });

  it('#78 does not keep the process alive (reaper unref) and stops the reaper on close', async () => {
    const store = new MemoryStore({ reapInterval: 1_000 });
    const reaper = (store as unknown as { reaper: NodeJS.Timeout }).reaper;
    expect(reaper.hasRef()).toBe(false);
    await store.close();
    expect((store as unknown as { reaper?: NodeJS.Timeout }).reaper).toBeUndefined();
  });

  it('#77 keeps at most maxSize entries, evicting the least recently used', async () => {
    const store = new MemoryStore({ maxSize: 10 });
    for (let i = 0; i < 10; i++) await store.set(`s${i}`, record({ i }), 60_000);
    await store.get('s0'); // s0 becomes most recently used
    for (let i = 10; i < 15; i++) await store.set(`s${i}`, record({ i }), 60_000);
    expect(await store.length()).toBe(10);
    expect(await store.get('s0')).not.toBeNull();
    for (const evicted of ['s1', 's2', 's3', 's4', 's5']) expect(await store.get(evicted)).toBeNull();
    await store.close();
  });

  it('#77 a session read or written again after newer ones were added is the most recently used again', async () => {
    const store = new MemoryStore({ maxSize: 2 });
    await store.set('a', record(), 60_000);
    await store.get('a'); // already the newest: stays where it is
    await store.set('b', record(), 60_000);
    await store.get('a'); // b was added after it: a moves back to the end
    await store.set('c', record(), 60_000); // evicts b, the least recently used
    expect(await store.get('b')).toBeNull();
    expect(await store.get('a')).not.toBeNull();
    await store.patch('c', { set: { n: 1 }, unset: [], meta: record().meta }, 60_000);
    await store.set('d', record(), 60_000); // a was read last before c's patch: a goes
    expect(await store.get('a')).toBeNull();
    expect(await store.get('c')).not.toBeNull();
    await store.close();
  });

  it('#5 create writes only when absent; patch and touch only when present', async () => {
    const store = new MemoryStore();
    expect(await store.create('a', record({ x: 1 }), 1000)).toBe(true);
    expect(await store.create('a', record({ x: 2 }), 1000)).toBe(false);
    expect((await store.get('a'))!.data).toEqual({ x: 1 });
    const meta = record().meta;
    expect(await store.patch('gone', { set: { y: 1 }, unset: [], meta }, 1000)).toBe(false);
    await store.touch('gone', record(), 1000);
    expect(await store.get('gone')).toBeNull();
    await store.close();
  });

  it('patch writes only the changed keys and keeps keys written meanwhile', async () => {
    const store = new MemoryStore();
    await store.set('a', record({ a: 1, b: 1, c: 1 }), 1000);
    const meta = record().meta;
    await store.patch('a', { set: { a: 2 }, unset: [], meta }, 1000);
    await store.patch('a', { set: { d: 4 }, unset: ['c'], meta }, 1000);
    expect((await store.get('a'))!.data).toEqual({ a: 2, b: 1, d: 4 });
    await store.close();
  });

  it('#52 touch changes only meta, never data written concurrently', async () => {
    const store = new MemoryStore();
    await store.set('a', record({ v: 'old' }), 1000);
    const stale = record({ v: 'old' });
    await store.patch('a', { set: { v: 'new' }, unset: [], meta: stale.meta }, 1000);
    await store.touch('a', stale, 5000);
    expect((await store.get('a'))!.data).toEqual({ v: 'new' });
    await store.close();
  });

  it('indexes sessions by owner and forgets destroyed or re-owned ones', async () => {
    const store = new MemoryStore();
    await store.set('a', record({}, 'u1'), 1000);
    await store.set('b', record({}, 'u1'), 1000);
    await store.set('c', record({}, 'u2'), 1000);
    expect((await store.listByOwner('u1')).map((s) => s.id).sort()).toEqual(['a', 'b']);
    await store.destroy('a');
    await store.set('b', record({}, 'u2'), 1000);
    expect(await store.listByOwner('u1')).toEqual([]);
    expect((await store.listByOwner('u2')).map((s) => s.id).sort()).toEqual(['b', 'c']);
    await store.close();
  });

  it('all, length and clear', async () => {
    const store = new MemoryStore();
    await store.set('a', record({ n: 1 }), 1000);
    await store.set('b', record({ n: 2 }), 1000);
    expect((await store.all()).map((s) => s.id).sort()).toEqual(['a', 'b']);
    expect(await store.length()).toBe(2);
    await store.clear();
    expect(await store.length()).toBe(0);
    await store.close();
  });

  it('refuses bad options', () => {
    expect(() => new MemoryStore({ maxSize: 0 })).toThrow(/maxSize/);
    expect(() => new MemoryStore({ reapInterval: -1 })).toThrow(/reapInterval/);
  });
});

describe('MemoryStore: the data text it hands the load (known-json.ts)', () => {
  const cases: Array<[string, Record<string, unknown>, Partial<SessionRecord['meta']>]> = [
    ['plain data', { userId: 'u1', profile: { roles: ['a', 'b'], n: 1.5e300 } }, {}],
    ['integer-like keys, unicode, escapes', { b: 1, 10: 'x', 2: [null], 'q"\\': 'é\u2028🔑' }, {}],
    ['an owner and a user agent (kept beside the text)', { a: '0,0,{' }, { owner: 'o,0,0,', userAgent: 'UA, 0,0,{' }],
    ['empty data', {}, {}],
  ];
  it.each(cases)('%s: the text parses to the data read, and is its JSON', async (_label, data, extra) => {
    const store = new MemoryStore();
    const stored = record(data);
    Object.assign(stored.meta, extra, { maxAge: 1e21 });
    await store.set('a', stored, 1000);
    const read = (await store.get('a'))!;
    const text = dataTextOf(read.data);
    expect(text).toBe(JSON.stringify(read.data));
    expect(JSON.parse(text!)).toEqual(read.data);
    expect(dataTextOf(read.data)).toBeUndefined(); // used up
  });

  it('gives none for the rarer shapes (a fingerprint, meta fields of its own); the read is whole', async () => {
    const store = new MemoryStore();
    const stored = record({ a: 1 });
    Object.assign(stored.meta, { fingerprint: 'f,0,0,{' });
    await store.set('f', stored, 1000);
    const withFingerprint = (await store.get('f'))!;
    expect(withFingerprint.meta.fingerprint).toBe('f,0,0,{');
    expect(dataTextOf(withFingerprint.data)).toBeUndefined();
    const custom = record({ a: 1 });
    Object.assign(custom.meta, { custom: [0, 0] });
    await store.set('c', custom, 1000);
    expect(dataTextOf((await store.get('c'))!.data)).toBeUndefined();
  });

  it('gives no text for data it parsed with prototype-reaching keys dropped, nor for another object', async () => {
    const store = new MemoryStore();
    await store.set(
      'a',
      record(JSON.parse('{"x":{"__proto__":{"polluted":1}},"y":1}') as Record<string, unknown>),
      1000,
    );
    const read = (await store.get('a'))!;
    expect(dataTextOf(read.data)).toBeUndefined();
    await store.set('b', record({ y: 1 }), 1000);
    await store.get('b');
    expect(dataTextOf({ y: 1 })).toBeUndefined();
  });
});
