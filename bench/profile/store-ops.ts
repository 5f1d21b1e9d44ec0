import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopPid } from '../lib/stop-pid.js';
import { summarizeProfile, type Frame } from './analyze.js';
import type { PhaseResult, StoreOp } from './store-ops-main.js';

const CHILD = fileURLToPath(new URL('./store-ops-main.js', import.meta.url));

export interface StoreOpProfile {
  op: StoreOp;
  ops: number;
  /** CPU (user + system) per operation, µs, of the profiled process (profiling overhead included). */
  cpuUsPerOp: number;
  /** Biggest self times per operation. */
  top: Frame[];
  byOrigin: Array<{ origin: string; usPerReq: number; pct: number }>;
}

/**
 * `node --cpu-prof` on RedisStore itself, one operation at a time against
 * the bench's Redis: where a login, a read and a write spend their CPU in
 * the store, the codec and ioredis, without the HTTP stack around them.
 */
export async function profileStoreOps(options: {
  dir: string;
  root: string;
  redisPort: number;
  ops: number;
  storeModule?: string;
}): Promise<StoreOpProfile[]> {
  rmSync(options.dir, { recursive: true, force: true });
  mkdirSync(options.dir, { recursive: true });
  const child = fork(
    CHILD,
    [JSON.stringify({ port: options.redisPort, ops: options.ops, storeModule: options.storeModule })],
    {
      execArgv: ['--cpu-prof', `--cpu-prof-dir=${options.dir}`, '--cpu-prof-interval=100'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const phases = await new Promise<PhaseResult[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopPid(child.pid!);
      reject(new Error('store profile: no result within 5 min'));
    }, 300_000);
    child.once('message', (m: { phases: PhaseResult[] }) => resolve(m.phases));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`store profile: exited (${code}) without a result`));
    });
  }).catch(async (error: unknown) => {
    await stopPid(child.pid!);
    throw error;
  });
  await new Promise<void>((resolve) => (child.exitCode === null ? child.once('exit', () => resolve()) : resolve()));
  const file = readdirSync(options.dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${options.dir}`);
  return phases.map((p) => {
    const summary = summarizeProfile(join(options.dir, file), options.root, p.ops, p, 12);
    return { op: p.op, ops: p.ops, cpuUsPerOp: p.cpuUsPerOp, top: summary.top, byOrigin: summary.byOrigin };
  });
}
