/**
 * `npm run bench:cached`: RedisStore and CachedStore(RedisStore) side by
 * side, in one run, under the same load: two Express apps in one process
 * (bench/mixed/server.ts) on a private redis-server, many sessions, autocannon. Two loads, alternated
 * between the stores round by round so drift hits both alike: mixed (reads
 * and `writeShare` writes) and reads only. Prints a Markdown table: req/s,
 * p50/p99 latency, the app process's CPU time per request (steadier than
 * req/s on a busy machine) and Redis commands per request (PING and INFO excluded).
 * Bounded: about rounds × (2 × duration + 2 × duration / 2) seconds of load.
 *
 * Options: --duration=1 --rounds=4 --connections=20 --sessions=1000 --write-share=0.2
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { numberArg, parseArgs } from '../lib/args.js';
import { callsDelta, commandCalls } from '../lib/redis-stats.js';
import { startRedisServer } from '../lib/redis-server.js';
import { stopPid } from '../lib/stop-pid.js';
import { runMixedLoad, type MixedLoadResult } from './load.js';

const STORES = ['redis', 'cached'] as const;
type StoreName = (typeof STORES)[number];
const LABEL: Record<StoreName, string> = { redis: 'RedisStore', cached: 'CachedStore(RedisStore)' };

interface App {
  child: ChildProcess;
  url: string;
  cookies: string[];
}

/** Fork the bench process (both apps) and resolve once both listen. */
function startApps(redisPort: number): Promise<Map<StoreName, App>> {
  const child = fork(fileURLToPath(new URL('./server.js', import.meta.url)), [], {
    env: { ...process.env, BENCH_REDIS_PORT: String(redisPort) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench apps: no ports within 20 s')), 20_000);
    child.once('exit', (code) => reject(new Error(`bench apps: exited with ${code}`)));
    child.once('message', (message: { ports: Record<StoreName, number> }) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const app = (store: StoreName): App => ({ child, url: `http://127.0.0.1:${message.ports[store]}`, cookies: [] });
      resolve(new Map(STORES.map((store) => [store, app(store)])));
    });
  });
}

async function login(app: App, sessions: number): Promise<void> {
  for (let i = 0; i < sessions; i += 50) {
    const batch = Array.from({ length: Math.min(50, sessions - i) }, async () => {
      const res = await fetch(`${app.url}/login`, { method: 'POST' });
      if (res.status !== 200) throw new Error(`login answered ${res.status}`);
      app.cookies.push(res.headers.getSetCookie()[0]!.split(';')[0]!);
    });
    await Promise.all(batch);
  }
}

interface Row extends MixedLoadResult {
  commandsPerRequest: number;
  cpuUsPerRequest: number;
}

/** CPU µs (user + system) the app process has used so far. */
function cpuOf(app: App): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: { cpu?: NodeJS.CpuUsage }) => {
      if (!message.cpu) return;
      app.child.off('message', onMessage);
      resolve(message.cpu.user + message.cpu.system);
    };
    app.child.on('message', onMessage);
    app.child.send('cpu');
  });
}

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const duration = numberArg(args, 'duration', 1);
  const rounds = Math.max(1, Math.round(numberArg(args, 'rounds', 4)));
  const connections = Math.max(1, Math.round(numberArg(args, 'connections', 20)));
  const sessions = Math.max(1, Math.round(numberArg(args, 'sessions', 1_000)));
  const writeShare = Math.min(1, numberArg(args, 'write-share', 0.2));
  const redis = await startRedisServer();
  const admin = new Redis({ host: '127.0.0.1', port: redis.port });
  let apps = new Map<StoreName, App>();
  try {
    apps = await startApps(redis.port);
    for (const app of apps.values()) await login(app, sessions);
    const loads = [
      { name: `mixed (${Math.round(writeShare * 100)} % writes)`, writeShare, seconds: duration },
      { name: 'reads only', writeShare: 0, seconds: duration / 2 },
    ];
    const rows = new Map<string, Row[]>();
    for (const app of apps.values()) {
      await runMixedLoad({ url: app.url, cookies: app.cookies, durationSec: 0.5, connections, writeShare });
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? STORES : [...STORES].reverse();
      for (const load of loads) {
        for (const store of order) {
          const app = apps.get(store)!;
          const before = await commandCalls(admin);
          const cpuBefore = await cpuOf(app);
          const result = await runMixedLoad({
            url: app.url,
            cookies: app.cookies,
            durationSec: load.seconds,
            connections,
            writeShare: load.writeShare,
          });
          const cpu = (await cpuOf(app)) - cpuBefore;
          const delta = callsDelta(before, await commandCalls(admin));
          const commands = Object.entries(delta)
            .filter(([name]) => name !== 'ping' && name !== 'info')
            .reduce((sum, [, calls]) => sum + calls, 0);
          const key = `${load.name}|${store}`;
          rows.set(key, [
            ...(rows.get(key) ?? []),
            { ...result, commandsPerRequest: commands / result.requests, cpuUsPerRequest: cpu / result.requests },
          ]);
        }
      }
    }
    const lines = [
      `${rounds} rounds, ${connections} connections, ${sessions} sessions, ${duration} s mixed + ${duration / 2} s reads per store and round (means):`,
      '',
      '| load | store | req/s | p50 ms | p99 ms | app CPU µs / request | Redis commands / request | non-2xx | errors |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const load of loads) {
      const base = mean(rows.get(`${load.name}|redis`)!.map((r) => r.rps));
      for (const store of STORES) {
        const runs = rows.get(`${load.name}|${store}`)!;
        const rps = mean(runs.map((r) => r.rps));
        const ratio = store === 'redis' ? '' : ` (${(rps / base).toFixed(2)} ×)`;
        lines.push(
          `| ${load.name} | ${LABEL[store]} | ${Math.round(rps)}${ratio} | ${mean(runs.map((r) => r.p50Ms)).toFixed(1)} | ` +
            `${mean(runs.map((r) => r.p99Ms)).toFixed(1)} | ${Math.round(mean(runs.map((r) => r.cpuUsPerRequest)))} | ` +
            `${mean(runs.map((r) => r.commandsPerRequest)).toFixed(2)} | ` +
            `${runs.reduce((s, r) => s + r.non2xx, 0)} | ${runs.reduce((s, r) => s + r.errors, 0)} |`,
        );
      }
    }
    console.log(lines.join('\n'));
  } finally {
    const child = apps.get('redis')?.child;
    if (child) {
      child.send('stop');
      await stopPid(child.pid!, 5_000);
    }
    admin.disconnect();
    await redis.stop();
  }
}

await main();
