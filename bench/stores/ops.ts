import { performance } from 'node:perf_hooks';
import { createStore, STORE_LABELS, type BenchStore, type StoreKind } from './factories.js';
import { expressSession, sessionId, sessionRecord } from './records.js';

export interface OpsOptions {
  redisPort: number;
  /** Sessions in the store while measuring. */
  sessions: number;
  /** Time per operation, ms. */
  durationMs: number;
  /** Operations in flight at once (Redis round trips overlap, as under real load). */
  concurrency: number;
}

export interface OpsResult {
  kind: StoreKind;
  label: string;
  get: number;
  set: number;
  patch: number | null;
  touch: number;
  /** CachedStore counters after the get run. */
  cache?: unknown;
}

/** Run `op` from `concurrency` loops until the time is up; operations per second. */
export async function opsPerSecond(
  op: (i: number) => Promise<unknown>,
  durationMs: number,
  concurrency: number,
): Promise<number> {
  let next = 0;
  let done = 0;
  const start = performance.now();
  const deadline = start + durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      await op(next++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return done / ((performance.now() - start) / 1000);
}

async function fill(store: BenchStore, n: number, value: (i: number) => unknown): Promise<void> {
  const batch = 64;
  for (let i = 0; i < n; i += batch) {
    const jobs: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + batch, n); j++) jobs.push(store.set(sessionId(j), value(j)));
    await Promise.all(jobs);
  }
}

/** get/set/patch/touch throughput of one store, over `sessions` existing sessions. */
export async function measureStoreOps(kind: StoreKind, options: OpsOptions): Promise<OpsResult> {
  const express = kind === 'express-memory' || kind === 'connect-redis';
  const value = express ? expressSession : sessionRecord;
  const store = createStore(kind, options.redisPort);
  try {
    await store.ready();
    const n = options.sessions;
    const ids = Array.from({ length: n }, (_, i) => sessionId(i));
    const values = Array.from({ length: Math.min(n, 1_000) }, (_, i) => value(i));
    await fill(store, n, value);
    for (let i = 0; i < n; i++) await store.get(ids[i]!); // warm: the near cache holds every session
    const { durationMs, concurrency } = options;
    const get = await opsPerSecond((i) => store.get(ids[i % n]!), durationMs, concurrency);
    const cache = store.stats?.();
    const set = await opsPerSecond((i) => store.set(ids[i % n]!, values[i % values.length]), durationMs, concurrency);
    const patch = store.patch
      ? await opsPerSecond((i) => store.patch!(ids[i % n]!, i % n, i), durationMs, concurrency)
      : null;
    const touch = await opsPerSecond(
      (i) => store.touch(ids[i % n]!, values[i % values.length]),
      durationMs,
      concurrency,
    );
    return { kind, label: STORE_LABELS[kind], get, set, patch, touch, cache };
  } finally {
    await store.close();
  }
}
