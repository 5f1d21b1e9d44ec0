import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopPid } from '../lib/stop-pid.js';
import type { Variant } from './variants.js';

const ENTRY = fileURLToPath(new URL('./server-main.js', import.meta.url));

export interface ServerProcess {
  readonly variant: Variant;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** Ask the server to close, then make sure its pid is gone. */
  stop(): Promise<void>;
}

export interface StartOptions {
  redisPort?: number;
  /** Extra node flags, e.g. --cpu-prof. */
  execArgv?: string[];
  timeoutMs?: number;
}

/** Fork the server of a variant and resolve once it listens on 127.0.0.1. */
export function startServer(variant: Variant, options: StartOptions = {}): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, BENCH_REDIS_PORT: String(options.redisPort ?? '') };
  delete env.NODE_OPTIONS; // no inherited --inspect or loaders in the measured process
  const child = fork(ENTRY, [variant.id], {
    env,
    execArgv: options.execArgv ?? [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopPid(child.pid!);
      reject(new Error(`${variant.id}: server did not start within ${options.timeoutMs ?? 20_000} ms`));
    }, options.timeoutMs ?? 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${variant.id}: server exited during start (code ${code})`));
    });
    child.once('message', (message: { type?: string; port?: number }) => {
      if (message?.type !== 'ready' || !message.port) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const port = message.port;
      resolve({
        variant,
        pid: child.pid!,
        port,
        url: `http://127.0.0.1:${port}`,
        stop: () => stopChild(child),
      });
    });
  });
}

/** 'stop' over IPC, wait for a clean exit (it flushes a CPU profile), then by pid if needed. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) child.send({ type: 'stop' });
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 8_000).unref());
  await Promise.race([exited, timeout]);
  if (child.exitCode === null && child.signalCode === null) await stopPid(child.pid!);
}
