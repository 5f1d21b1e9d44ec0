import type { StoreKind } from './factories.js';
import { measureMemory, type MemoryResult } from './memory.js';
import { measureStoreOps, type OpsResult } from './ops.js';

export interface StoreBenchOptions {
  redisPort: number;
  opsSessions: number;
  durationMs: number;
  concurrency: number;
  memorySizes: number[];
  log: (line: string) => void;
}

export interface StoreBenchResult {
  settings: { opsSessions: number; durationMs: number; concurrency: number; memorySizes: number[] };
  ops: OpsResult[];
  memory: MemoryResult[];
}

const OPS_KINDS: StoreKind[] = ['memory', 'redis', 'cached', 'express-memory', 'connect-redis'];
/** Each store with logged-in sessions (an owner), and the module's own also with anonymous ones. */
const MEMORY_CASES: Array<{ kind: StoreKind; anonymous: boolean }> = [
  { kind: 'memory', anonymous: false },
  { kind: 'memory', anonymous: true },
  { kind: 'cached', anonymous: false },
  { kind: 'express-memory', anonymous: false },
  { kind: 'redis', anonymous: false },
  { kind: 'redis', anonymous: true },
  { kind: 'connect-redis', anonymous: false },
];

/** Operations per second of each store, then memory per session at each size. */
export async function runStoreBench(options: StoreBenchOptions): Promise<StoreBenchResult> {
  const ops: OpsResult[] = [];
  for (const kind of OPS_KINDS) {
    const r = await measureStoreOps(kind, {
      redisPort: options.redisPort,
      sessions: options.opsSessions,
      durationMs: options.durationMs,
      concurrency: options.concurrency,
    });
    ops.push(r);
    options.log(
      `ops ${kind}: get ${r.get.toFixed(0)}/s, set ${r.set.toFixed(0)}/s, patch ${r.patch?.toFixed(0) ?? '-'}/s, touch ${r.touch.toFixed(0)}/s`,
    );
  }
  const memory: MemoryResult[] = [];
  for (const sessions of options.memorySizes) {
    for (const { kind, anonymous } of MEMORY_CASES) {
      const r = await measureMemory(kind, sessions, options.redisPort, anonymous);
      memory.push(r);
      options.log(
        `memory ${kind}${anonymous ? ' (anonymous)' : ''} @${sessions}: ${r.bytesPerSession.toFixed(0)} B/session (${r.ratioToJson.toFixed(2)} × JSON ${r.jsonBytes} B)`,
      );
    }
  }
  return {
    settings: {
      opsSessions: options.opsSessions,
      durationMs: options.durationMs,
      concurrency: options.concurrency,
      memorySizes: options.memorySizes,
    },
    ops,
    memory,
  };
}
