/**
 * `npm run bench`: the HTTP benchmark, the store micro-benchmark and a CPU
 * profile of the read path, against a private redis-server; writes
 * bench/results/results.{json,md} and prints the Markdown.
 *
 * Options (all optional): --duration=2 --rounds=3 --warmup=1 --connections=10
 * --variants=id,id --routes=read,anon --skip=http,stores,profile
 * --ops-duration=1000 --ops-sessions=10000 --memory-sizes=10000,100000
 * --profile-duration=5 --profile-ops=5000 --overhead-requests=1000 --overhead-batches=15
 * --overhead-apps=module-redis,express-session-redis --overhead-platforms=express
 * --out=bench/results (--skip also takes overhead)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runHttpBench } from './http/run.js';
import { ROUTES, type RouteName } from './http/payload.js';
import { listArg, numberArg, parseArgs } from './lib/args.js';
import { onCleanup, runCleanup } from './lib/cleanup.js';
import { machineInfo } from './lib/machine.js';
import { startRedisServer } from './lib/redis-server.js';
import { profileReadPath } from './profile/run.js';
import { profileStoreOps } from './profile/store-ops.js';
import { renderMarkdown, type BenchResults } from './report/markdown.js';
import { checkTargets } from './report/targets.js';
import { runStoreBench } from './stores/run.js';
import { runOverheadBench } from './overhead/run.js';

/** The repository root: this file is .bench-dist/bench/run.js once compiled. */
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const args = parseArgs(argv);
  const skip = new Set(listArg(args, 'skip'));
  const out = resolve(ROOT, args.get('out') ?? 'bench/results');
  const log = (line: string) => console.error(`[bench] ${line}`);
  const started = Date.now();
  const machine = machineInfo();
  const lib = (await import('../lib/index.js')) as Record<string, unknown>;
  const routes = (listArg(args, 'routes').length ? listArg(args, 'routes') : [...ROUTES]) as RouteName[];
  for (const r of routes) if (!ROUTES.includes(r)) throw new Error(`unknown route ${r}`);

  const redis = await startRedisServer();
  const unregister = onCleanup(() => redis.stop());
  log(`redis-server pid ${redis.pid} on 127.0.0.1:${redis.port}`);
  const results: BenchResults = {
    machine,
    elapsedSec: 0,
    command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
    targets: [],
  };
  try {
    if (!skip.has('http')) {
      results.http = await runHttpBench({
        redisPort: redis.port,
        durationSec: numberArg(args, 'duration', 2),
        rounds: Math.max(1, Math.round(numberArg(args, 'rounds', 3))),
        warmupSec: numberArg(args, 'warmup', 1),
        connections: Math.max(1, Math.round(numberArg(args, 'connections', 10))),
        only: listArg(args, 'variants'),
        routes,
        libExports: new Set(Object.keys(lib)),
        log,
      });
    }
    if (!skip.has('overhead')) {
      results.overhead = await runOverheadBench({
        redisPort: redis.port,
        requestsPerBatch: Math.max(100, Math.round(numberArg(args, 'overhead-requests', 1_000))),
        batches: Math.max(1, Math.round(numberArg(args, 'overhead-batches', 15))),
        routes,
        only: listArg(args, 'overhead-apps'),
        platforms: listArg(args, 'overhead-platforms') as ('express' | 'fastify')[],
        log,
      });
    }
    if (!skip.has('stores')) {
      const sizes = listArg(args, 'memory-sizes')
        .map(Number)
        .filter((n) => Number.isInteger(n) && n > 0);
      results.stores = await runStoreBench({
        redisPort: redis.port,
        opsSessions: numberArg(args, 'ops-sessions', 10_000),
        durationMs: numberArg(args, 'ops-duration', 1_000),
        concurrency: 32,
        memorySizes: sizes.length ? sizes : [10_000, 100_000],
        log,
      });
    }
    if (!skip.has('profile')) {
      results.profile = await profileReadPath({
        dir: join(out, 'profile'),
        root: ROOT,
        durationSec: numberArg(args, 'profile-duration', 5),
        connections: Math.max(1, Math.round(numberArg(args, 'connections', 10))),
        log,
      });
      results.storeProfile = await profileStoreOps({
        dir: join(out, 'profile', 'store-ops'),
        root: ROOT,
        redisPort: redis.port,
        ops: Math.max(500, Math.round(numberArg(args, 'profile-ops', 5_000))),
      });
      for (const p of results.storeProfile) log(`store profile ${p.op}: ${p.cpuUsPerOp.toFixed(1)} µs/op`);
    }
  } finally {
    await redis.stop();
    unregister();
  }
  results.targets = checkTargets(results.http, results.stores, results.overhead);
  results.elapsedSec = (Date.now() - started) / 1000;
  const markdown = renderMarkdown(results);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(join(out, 'results.md'), markdown);
  console.log(markdown);
  log(`wrote ${join(out, 'results.json')} and results.md in ${Math.round(results.elapsedSec)} s`);
}

main().catch(async (error: unknown) => {
  console.error(error);
  await runCleanup();
  process.exit(1);
});
