/**
 * Child of store-ops.ts, run under `node --cpu-prof`: drives a RedisStore
 * through logins (create with an owner), reads (get) and writes (patch of
 * one key), one operation at a time, and reports each phase's time window
 * and CPU per operation over IPC. argv[2] = JSON { port, ops, storeModule? }
 * (storeModule: another build of RedisStore to profile, e.g. an older one).
 */
import { Redis } from 'ioredis';
import { recommendedRedisOptions, type SessionStore } from '../../lib/index.js';
import { counterPatch, sessionId, sessionRecord, TTL_MS } from '../stores/records.js';

export type StoreOp = 'login' | 'read' | 'write';
export interface PhaseResult {
  op: StoreOp;
  ops: number;
  cpuUsPerOp: number;
  fromUs: number;
  toUs: number;
}

const { port, ops, storeModule } = JSON.parse(process.argv[2] ?? '{}') as {
  port: number;
  ops: number;
  storeModule?: string;
};
const lib = (await import(storeModule ?? '../../lib/index.js')) as {
  RedisStore: new (o: { client: Redis; prefix: string }) => SessionStore;
};
const client = new Redis({ host: '127.0.0.1', port, ...recommendedRedisOptions });
const store = new lib.RedisStore({ client, prefix: 'prof:' });
const now = (): number => Number(process.hrtime.bigint() / 1000n);

const run: Record<StoreOp, (i: number) => Promise<unknown>> = {
  login: (i) => store.create!(sessionId(i), sessionRecord(i), TTL_MS),
  read: (i) => store.get(sessionId(i)),
  write: (i) => store.patch!(sessionId(i), counterPatch(i, i), TTL_MS),
};

async function phase(op: StoreOp, from: number, count: number): Promise<PhaseResult> {
  const fromUs = now();
  const before = process.cpuUsage();
  for (let i = from; i < from + count; i++) await run[op](i);
  const used = process.cpuUsage(before);
  return { op, ops: count, cpuUsPerOp: (used.user + used.system) / count, fromUs, toUs: now() };
}

// Warm-up on other ids, then the profiled phases.
for (const op of ['login', 'read', 'write'] as const) await phase(op, ops, 2_000);
const phases: PhaseResult[] = [];
for (const op of ['login', 'read', 'write'] as const) phases.push(await phase(op, 0, ops));
await client.quit();
process.send!({ phases }, () => process.exit(0));
