/**
 * One memory measurement in a fresh process (run with --expose-gc): argv =
 * store kind, session count, Redis port. Reports over IPC the heap delta
 * (in-process stores and the near cache) or Redis used_memory delta.
 */
import { Redis } from 'ioredis';
import { usedMemory } from '../lib/redis-stats.js';
import { createStore, type StoreKind } from './factories.js';
import { expressSession, sessionId, sessionRecord } from './records.js';

const [kind, count, port] = [process.argv[2] as StoreKind, Number(process.argv[3]), Number(process.argv[4])];
/** 'anon': sessions without an owner (no userId), so no owner index entry. */
const anon = process.argv[5] === 'anon';
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

async function scanAll(client: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

async function fill(write: (i: number) => Promise<unknown>, n: number): Promise<void> {
  for (let i = 0; i < n; i += 64) {
    const jobs: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(i + 64, n); j++) jobs.push(write(j));
    await Promise.all(jobs);
  }
}

const express = kind === 'express-memory' || kind === 'connect-redis';
function anonRecord(i: number): ReturnType<typeof sessionRecord> {
  const record = sessionRecord(i);
  delete record.meta.owner;
  delete record.data.userId;
  return record;
}
const value = express ? expressSession : anon ? anonRecord : sessionRecord;
const admin = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
const store = createStore(kind, port, count + 1_000);
let bytes: number;
/** RedisStore: what its owner index keys take of that (measured by deleting them afterwards). */
let indexBytes: number | undefined;
try {
  await admin.flushall();
  await store.ready();
  if (kind === 'redis' || kind === 'connect-redis') {
    const before = await usedMemory(admin);
    await fill((i) => store.set(sessionId(i), value(i)), count);
    const filled = await usedMemory(admin);
    bytes = filled - before;
    if (kind === 'redis') {
      const indexes = await scanAll(admin, 'sb:owner:*');
      for (let i = 0; i < indexes.length; i += 500) await admin.del(...indexes.slice(i, i + 500));
      indexBytes = filled - (await usedMemory(admin));
    }
  } else if (kind === 'cached') {
    // Sessions are put in Redis directly (not through the cache); the measured
    // heap is what the near cache keeps after reading each one once.
    const writer = createStore('redis', port);
    await fill((i) => writer.set(sessionId(i), value(i)), count);
    await writer.close();
    const before = heapUsed();
    await fill((i) => store.get(sessionId(i)), count);
    bytes = heapUsed() - before;
  } else {
    const before = heapUsed();
    await fill((i) => store.set(sessionId(i), value(i)), count);
    bytes = heapUsed() - before;
  }
  await admin.flushall();
} finally {
  await store.close();
  admin.disconnect();
}
// Exit once the result is handed to the parent (send is asynchronous).
process.send!(
  {
    bytesPerSession: bytes / count,
    indexBytesPerSession: indexBytes === undefined ? undefined : indexBytes / count,
    jsonBytes: JSON.stringify(value(0)).length,
  },
  () => process.exit(0),
);
