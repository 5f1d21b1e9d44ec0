/**
 * Added CPU per request, in-process: the same routes injected straight into
 * each app (light-my-request, no sockets, one request at a time), each app
 * beside the ceiling and measured in interleaved batches. Without
 * the network and the load generator competing for the 2 cores, the
 * difference to the no-session ceiling is far steadier than the HTTP run's.
 *
 * Each app is measured with its own ceiling in a process of its own: an app
 * that enters AsyncLocalStorage turns on promise hooks for every later
 * promise of its process (Node 20), which would tax the apps beside it.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RouteName } from '../http/payload.js';
import { stopPid } from '../lib/stop-pid.js';
import { OVERHEAD_APPS } from './apps.js';
import type { MeasureOptions, OverheadRow } from './measure.js';

export type { OverheadRow };

export interface OverheadResult {
  settings: { requestsPerBatch: number; batches: number };
  rows: OverheadRow[];
}

const CHILD = fileURLToPath(new URL('./measure-main.js', import.meta.url));

function measureInChild(options: MeasureOptions, log: (line: string) => void): Promise<OverheadRow[]> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = fork(CHILD, [JSON.stringify(options)], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopPid(child.pid!);
      reject(new Error(`overhead ${options.platform} ${options.variant}: no result within 10 min`));
    }, 600_000);
    child.on('message', (message: { log?: string; rows?: OverheadRow[]; error?: string }) => {
      if (message.log) log(message.log);
      if (message.error) reject(new Error(message.error));
      if (message.rows) resolve(message.rows);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`overhead ${options.platform} ${options.variant}: exited (code ${code})`));
    });
  });
}

export async function runOverheadBench(options: {
  redisPort: number;
  requestsPerBatch: number;
  batches: number;
  routes: readonly RouteName[];
  /** Only these apps (variant names) when given, and only these platforms. */
  only?: readonly string[];
  platforms?: readonly ('express' | 'fastify')[];
  log: (line: string) => void;
}): Promise<OverheadResult> {
  const rows: OverheadRow[] = [];
  for (const platform of options.platforms?.length ? options.platforms : (['express', 'fastify'] as const)) {
    const apps = OVERHEAD_APPS.filter(
      (a) =>
        a.variant !== 'ceiling' &&
        a.platforms.includes(platform) &&
        (!options.only?.length || options.only.includes(a.variant)),
    );
    for (const { variant } of apps) {
      const measured = await measureInChild(
        {
          platform,
          variant,
          redisPort: options.redisPort,
          requestsPerBatch: options.requestsPerBatch,
          batches: options.batches,
          routes: options.routes,
        },
        options.log,
      );
      // The ceiling once per platform (from the first pair), then each app against its own.
      for (const row of measured) {
        if (row.variant === 'ceiling' && rows.some((r) => r.platform === platform && r.variant === 'ceiling')) continue;
        rows.push(row);
      }
    }
  }
  return { settings: { requestsPerBatch: options.requestsPerBatch, batches: options.batches }, rows };
}
