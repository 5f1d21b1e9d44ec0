import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopPid } from '../lib/stop-pid.js';
import { STORE_LABELS, type StoreKind } from './factories.js';

const ENTRY = fileURLToPath(new URL('./memory-child.js', import.meta.url));

export interface MemoryResult {
  kind: StoreKind;
  label: string;
  /** How it was measured. */
  source: 'heap' | 'redis used_memory';
  sessions: number;
  /** Sessions carry no owner (anonymous): no owner-index entry. */
  anonymous: boolean;
  bytesPerSession: number;
  /** RedisStore: the part of it its owner index keys take. */
  indexBytesPerSession?: number;
  /** JSON.stringify of one session record as that store keeps it. */
  jsonBytes: number;
  ratioToJson: number;
}

/** Memory per session of one store at one size, measured in its own process. */
export function measureMemory(
  kind: StoreKind,
  sessions: number,
  redisPort: number,
  anonymous = false,
): Promise<MemoryResult> {
  const child = fork(ENTRY, [kind, String(sessions), String(redisPort), anonymous ? 'anon' : 'owned'], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopPid(child.pid!);
      reject(new Error(`memory ${kind} ${sessions}: timed out`));
    }, 120_000);
    child.once('message', (m: { bytesPerSession: number; indexBytesPerSession?: number; jsonBytes: number }) => {
      clearTimeout(timer);
      resolve({
        kind,
        label: STORE_LABELS[kind],
        source: kind === 'redis' || kind === 'connect-redis' ? 'redis used_memory' : 'heap',
        sessions,
        anonymous,
        bytesPerSession: m.bytesPerSession,
        indexBytesPerSession: m.indexBytesPerSession,
        jsonBytes: m.jsonBytes,
        ratioToJson: m.bytesPerSession / m.jsonBytes,
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`memory ${kind} ${sessions}: exited (${code}) without a result`));
    });
  });
}
