/**
 * `npm run bench:cached`: RedisStore and CachedStore(RedisStore) side by
 * side, in one run, under the same load: one app process per store and
 * platform (Express and Fastify; bench/mixed/server.ts) on a private
 * redis-server, many sessions,
 * autocannon. Two loads, alternated between the stores round by round so
 * drift hits both alike: mixed (reads and `writeShare` writes) and reads
 * only. Each process is warmed up first (V8 optimises the hot paths over the
 * first few thousand requests). How well V8 optimises them differs from one
 * process to the next by more than the stores differ (±20 % of req/s for the
 * same store), so the whole comparison is repeated in `trials` pairs of
 * fresh processes. Prints a Markdown table: req/s (mean), the ratio to
 * RedisStore (median of the trials' ratios, and their range), p50/p99
 * latency, the app process's CPU time per request and its ratio to
 * RedisStore's (paired the same way; steadier than req/s, since the load
 * generator shares the machine's cores) and Redis commands per request
 * (PING and INFO excluded).
 * Bounded: about platforms × trials × 3 × (warmup + rounds × 1.5 × duration) seconds of load.
 *
 * With --defer, every app defers each request to the event loop's check
 * phase (a `setImmediate` middleware), so every store's answers leave in
 * batches: a RedisStore app's answers already do (they follow Redis replies
 * that arrive together), while an app that answers from memory writes each
 * answer inside its request's read callback. On loopback each such lone
 * write also pays for waking the load generator, which a remote client
 * would not cost; --defer takes that difference out of the comparison.
 *
 * By default (--pin=false to turn it off) the app processes run on CPU 0
 * and everything else (this process, so autocannon, and redis-server) on
 * CPU 1, where taskset(1) exists and there are two CPUs or more: unpinned,
 * the scheduler's pairing of processes on two cores decides more than the
 * stores do.
 *
 * Options: --platforms=express,fastify --defer --pin=false --trials=5 --duration=2 --rounds=3 --warmup=3 --connections=20 --sessions=1000 --write-share=0.2
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { numberArg, parseArgs } from '../lib/args.js';
import { median } from '../lib/stats.js';
import { callsDelta, commandCalls } from '../lib/redis-stats.js';
import { startRedisServer } from '../lib/redis-server.js';
import { stopPid } from '../lib/stop-pid.js';
import { pinToCpu } from '../lib/pin-cpu.js';
import { isPlatform, type Platform } from '../http/variants.js';
import { runMixedLoad, type MixedLoadResult } from './load.js';

const STORES = ['redis', 'cached', 'memory'] as const;
type StoreName = (typeof STORES)[number];
const LABEL: Record<StoreName, string> = {
  redis: 'RedisStore',
  cached: 'CachedStore(RedisStore)',
  memory: 'MemoryStore (in-process reference)',
};

interface App {
  child: ChildProcess;
  url: string;
  cookies: string[];
}

/** Fork the app process of one store and resolve once it listens. */
function startApp(store: StoreName, platform: Platform, redisPort: number, settings: Settings): Promise<App> {
  const child = fork(fileURLToPath(new URL('./server.js', import.meta.url)), [store, platform], {
    env: { ...process.env, BENCH_REDIS_PORT: String(redisPort), BENCH_DEFER: settings.defer ? '1' : '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (settings.pin) pinToCpu(child.pid!, 0);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`bench app ${store}: no port within 20 s`)), 20_000);
    child.once('exit', (code) => reject(new Error(`bench app ${store}: exited with ${code}`)));
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ child, url: `http://127.0.0.1:${message.port}`, cookies: [] });
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
  trial: number;
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

interface Settings {
  platforms: Platform[];
  duration: number;
  rounds: number;
  warmup: number;
  connections: number;
  sessions: number;
  writeShare: number;
  defer: boolean;
  /** The apps on CPU 0, this process (autocannon) and Redis on CPU 1 (see pin-cpu.ts). */
  pin: boolean;
  loads: Array<{ name: string; writeShare: number; seconds: number }>;
}

/** One trial on one platform: a fresh process per store, logins, warm-up, then `rounds` alternated rounds of every load. */
async function runTrial(
  trial: number,
  platform: Platform,
  settings: Settings,
  redisPort: number,
  admin: Redis,
  rows: Map<string, Row[]>,
) {
  const { connections, writeShare } = settings;
  const apps = new Map<StoreName, App>();
  try {
    for (const store of STORES) apps.set(store, await startApp(store, platform, redisPort, settings));
    for (const app of apps.values()) await login(app, settings.sessions);
    for (let pass = 0; pass < 2; pass++) {
      for (const app of apps.values()) {
        const durationSec = settings.warmup / 2;
        await runMixedLoad({ url: app.url, cookies: app.cookies, durationSec, connections, writeShare });
      }
    }
    for (let round = 0; round < settings.rounds; round++) {
      const order = (round + trial) % 2 === 0 ? STORES : [...STORES].reverse();
      for (const load of settings.loads) {
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
          const key = `${platform}|${load.name}|${store}`;
          const row = {
            ...result,
            trial,
            commandsPerRequest: commands / result.requests,
            cpuUsPerRequest: cpu / result.requests,
          };
          rows.set(key, [...(rows.get(key) ?? []), row]);
        }
      }
    }
  } finally {
    for (const { child } of apps.values()) {
      child.send('stop');
      await stopPid(child.pid!, 5_000);
    }
    await admin.flushall();
  }
}

/** Each trial's mean `metric` of one store's `runs` over RedisStore's in the same trial. */
function trialRatios(runs: Row[], redis: Row[], trials: number, metric: (row: Row) => number): number[] {
  const meanOf = (rows: Row[], trial: number) => mean(rows.filter((r) => r.trial === trial).map(metric));
  return Array.from({ length: trials }, (_, t) => meanOf(runs, t) / meanOf(redis, t));
}

/** "median (min–max)" of the trials' ratios; empty for RedisStore itself. */
function ratioCell(store: StoreName, ratios: number[]): string {
  if (store === 'redis') return '';
  return `${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const trials = Math.max(1, Math.round(numberArg(args, 'trials', 5)));
  const duration = numberArg(args, 'duration', 2);
  const writeShare = Math.min(1, numberArg(args, 'write-share', 0.2));
  const platforms = (args.get('platforms') ?? 'express,fastify').split(',');
  if (!platforms.every(isPlatform)) throw new Error(`--platforms: express and/or fastify, not ${platforms.join(',')}`);
  const settings: Settings = {
    platforms,
    duration,
    rounds: Math.max(1, Math.round(numberArg(args, 'rounds', 3))),
    warmup: numberArg(args, 'warmup', 3),
    connections: Math.max(1, Math.round(numberArg(args, 'connections', 20))),
    sessions: Math.max(1, Math.round(numberArg(args, 'sessions', 1_000))),
    writeShare,
    defer: args.get('defer') === 'true',
    pin: args.get('pin') !== 'false',
    loads: [
      { name: `mixed (${Math.round(writeShare * 100)} % writes)`, writeShare, seconds: duration },
      { name: 'reads only', writeShare: 0, seconds: duration / 2 },
    ],
  };
  const redis = await startRedisServer();
  const admin = new Redis({ host: '127.0.0.1', port: redis.port });
  if (settings.pin) settings.pin = pinToCpu(process.pid, 1) && pinToCpu(redis.pid, 1);
  try {
    const rows = new Map<string, Row[]>();
    for (const platform of settings.platforms)
      for (let trial = 0; trial < trials; trial++) await runTrial(trial, platform, settings, redis.port, admin, rows);
    const { rounds, connections, sessions, warmup } = settings;
    const lines = [
      `${trials} trials (a fresh process per store each) × ${rounds} rounds, ${connections} connections, ${sessions} sessions, ` +
        `${duration} s mixed + ${duration / 2} s reads per store and round, after ${warmup} s of warm-up per store ` +
        `${settings.defer ? ', every request deferred to the check phase (--defer)' : ''}` +
        `${settings.pin ? ', the apps pinned to CPU 0, load generator and Redis to CPU 1' : ''} ` +
        `(means; ratio: the median of the trials' ratios, and their range):`,
      '',
      '| platform | load | store | req/s | × RedisStore | p50 ms | p99 ms | app CPU µs / request | × RedisStore | Redis commands / request | non-2xx | errors |',
      '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const [platform, load] of settings.platforms.flatMap((p) => settings.loads.map((l) => [p, l] as const))) {
      const base = rows.get(`${platform}|${load.name}|redis`)!;
      for (const store of STORES) {
        const runs = rows.get(`${platform}|${load.name}|${store}`)!;
        const rpsRatio = ratioCell(
          store,
          trialRatios(runs, base, trials, (r) => r.rps),
        );
        const cpuRatio = ratioCell(
          store,
          trialRatios(runs, base, trials, (r) => r.cpuUsPerRequest),
        );
        lines.push(
          `| ${platform} | ${load.name} | ${LABEL[store]} | ${Math.round(mean(runs.map((r) => r.rps)))} | ${rpsRatio} | ` +
            `${mean(runs.map((r) => r.p50Ms)).toFixed(1)} | ${mean(runs.map((r) => r.p99Ms)).toFixed(1)} | ` +
            `${Math.round(mean(runs.map((r) => r.cpuUsPerRequest)))} | ${cpuRatio} | ` +
            `${mean(runs.map((r) => r.commandsPerRequest)).toFixed(2)} | ` +
            `${runs.reduce((s, r) => s + r.non2xx, 0)} | ${runs.reduce((s, r) => s + r.errors, 0)} |`,
        );
      }
    }
    console.log(lines.join('\n'));
  } finally {
    admin.disconnect();
    await redis.stop();
  }
}

await main();
