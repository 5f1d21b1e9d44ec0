import { Redis } from 'ioredis';
import { onCleanup } from '../lib/cleanup.js';
import { cpuMicros, peakRssBytes } from '../lib/proc-stats.js';
import { callsDelta, commandCalls, serverCpuUs } from '../lib/redis-stats.js';
import { aggregateRoute } from './aggregate.js';
import { probeCommands, type CommandProbe } from './command-probe.js';
import { runLoad } from './load.js';
import { PROFILE, type RouteName } from './payload.js';
import { startServer, type ServerProcess } from './server-process.js';
import { loginAndCheck } from './session-check.js';
import type { HttpBenchResult, RunSample, VariantResult } from './types.js';
import { ceilingOf, VARIANTS, type Variant } from './variants.js';

export interface HttpBenchOptions {
  redisPort: number;
  durationSec: number;
  rounds: number;
  warmupSec: number;
  connections: number;
  /** Variant ids to run (ceilings are added); all when empty. */
  only: string[];
  routes: RouteName[];
  /** lib/ exports present now; variants needing a missing one are skipped. */
  libExports: ReadonlySet<string>;
  log: (line: string) => void;
}

interface Live {
  variant: Variant;
  server: ServerProcess;
  cookie: string | undefined;
  samples: Map<RouteName, RunSample[]>;
  logins: number;
}

function selectVariants(options: HttpBenchOptions): { run: Variant[]; skipped: VariantResult[] } {
  const wanted = options.only.length
    ? VARIANTS.filter(
        (v) =>
          options.only.includes(v.id) || (v.kind === 'ceiling' && options.only.some((id) => id.startsWith(v.platform))),
      )
    : [...VARIANTS];
  const run: Variant[] = [];
  const skipped: VariantResult[] = [];
  for (const v of wanted) {
    const missing = (v.needs ?? []).filter((name) => !options.libExports.has(name));
    if (missing.length) {
      skipped.push({
        id: v.id,
        label: v.label,
        platform: v.platform,
        skipped: `lib/ does not export ${missing.join(', ')} yet`,
        routes: [],
      });
    } else run.push(v);
  }
  return { run, skipped };
}

/** One timed run: CPU ticks and Redis commandstats around an autocannon run. */
async function measure(
  live: Live,
  route: RouteName,
  round: number,
  options: HttpBenchOptions,
  admin: Redis,
): Promise<RunSample> {
  const cmd0 = await commandCalls(admin);
  const redisCpu0 = await serverCpuUs(admin);
  const cpu0 = cpuMicros(live.server.pid);
  const load = await runLoad({
    url: live.server.url,
    route,
    cookie: route === 'read' || route === 'write' ? live.cookie : undefined,
    durationSec: options.durationSec,
    connections: options.connections,
  });
  const cpu1 = cpuMicros(live.server.pid);
  const redisCpu1 = await serverCpuUs(admin);
  const cmd1 = await commandCalls(admin);
  const redisCalls = callsDelta(cmd0, cmd1);
  const total = Object.values(redisCalls).reduce((a, b) => a + b, 0);
  const requests = Math.max(load.requests, 1);
  if (route === 'login') live.logins += load.requests;
  return {
    round,
    requests: load.requests,
    rps: load.rps,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    non2xx: load.non2xx,
    errors: load.errors,
    cpuUsPerReq: (cpu1 - cpu0) / requests,
    redisCallsPerReq: total / requests,
    redisCpuUsPerReq: (redisCpu1 - redisCpu0) / requests,
    redisCalls,
  };
}

/**
 * Every variant as its own server process, all started up front; then
 * interleaved rounds (each round runs every variant on every route once,
 * A B C … A B C …), so drift of the machine spreads over all variants alike.
 */
export async function runHttpBench(options: HttpBenchOptions): Promise<HttpBenchResult> {
  const { run, skipped } = selectVariants(options);
  const admin = new Redis({ host: '127.0.0.1', port: options.redisPort, maxRetriesPerRequest: 1 });
  const lives: Live[] = [];
  try {
    for (const variant of run) {
      const server = await startServer(variant, { redisPort: options.redisPort });
      onCleanup(() => server.stop());
      const cookie = await loginAndCheck(server.url, variant.kind !== 'ceiling');
      lives.push({ variant, server, cookie, samples: new Map(), logins: 1 });
      options.log(`started ${variant.id} (pid ${server.pid}, ${server.url})`);
    }

    if (options.warmupSec > 0) {
      options.log(`warm-up: ${options.warmupSec}s per variant and route`);
      for (const live of lives) {
        for (const route of options.routes) {
          const r = await runLoad({
            url: live.server.url,
            route,
            cookie: route === 'read' || route === 'write' ? live.cookie : undefined,
            durationSec: options.warmupSec,
            connections: options.connections,
          });
          if (route === 'login') live.logins += r.requests;
        }
      }
    }

    // Round → route → variant: a variant's run and its ceiling's run of the same
    // route and round are close in time, so the pairing survives load drifts.
    for (let round = 1; round <= options.rounds; round++) {
      for (const route of options.routes) {
        const line: string[] = [];
        for (const live of lives) {
          const sample = await measure(live, route, round, options, admin);
          const list = live.samples.get(route) ?? [];
          list.push(sample);
          live.samples.set(route, list);
          line.push(`${live.variant.id} ${Math.round(sample.rps)}/s ${sample.cpuUsPerReq.toFixed(0)}µs`);
        }
        options.log(`round ${round}/${options.rounds} /${route}: ${line.join(', ')}`);
      }
    }

    const probes = new Map<string, CommandProbe>();
    for (const live of lives.filter((l) => l.variant.redis)) {
      for (const route of options.routes) {
        probes.set(
          `${live.variant.id}/${route}`,
          await probeCommands(options.redisPort, live.server.url, route, live.cookie),
        );
      }
    }

    const results: VariantResult[] = lives.map((live) => {
      const ceiling = lives.find((l) => l.variant.id === ceilingOf(live.variant.platform).id);
      return {
        id: live.variant.id,
        label: live.variant.label,
        platform: live.variant.platform,
        peakRssMiB: peakRssBytes(live.server.pid) / 2 ** 20,
        logins: live.logins,
        routes: options.routes.map((route) =>
          aggregateRoute(
            route,
            live.samples.get(route) ?? [],
            ceiling?.samples.get(route),
            probes.get(`${live.variant.id}/${route}`) ?? null,
          ),
        ),
      };
    });
    return {
      settings: {
        durationSec: options.durationSec,
        rounds: options.rounds,
        warmupSec: options.warmupSec,
        connections: options.connections,
        profileBytes: JSON.stringify(PROFILE).length,
      },
      variants: [...results, ...skipped],
    };
  } finally {
    await Promise.allSettled(lives.map((l) => l.server.stop()));
    admin.disconnect();
  }
}
