import { median } from '../lib/stats.js';
import type { CommandProbe } from './command-probe.js';
import type { RouteName } from './payload.js';
import type { RouteResult, RunSample } from './types.js';

/** Medians of a variant's samples on a route, paired round by round with its platform's ceiling. */
export function aggregateRoute(
  route: RouteName,
  samples: RunSample[],
  ceiling: RunSample[] | undefined,
  commands: CommandProbe | null,
): RouteResult {
  const byRound = new Map(ceiling?.map((s) => [s.round, s]));
  const ratios: number[] = [];
  const added: number[] = [];
  for (const s of samples) {
    const c = byRound.get(s.round);
    if (!c) continue;
    ratios.push(s.rps / c.rps);
    added.push(s.cpuUsPerReq - c.cpuUsPerReq);
  }
  return {
    route,
    samples,
    rps: median(samples.map((s) => s.rps)),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    cpuUsPerReq: median(samples.map((s) => s.cpuUsPerReq)),
    ratioToCeiling: ratios.length ? median(ratios) : null,
    addedCpuUs: added.length ? median(added) : null,
    redisCallsPerReq: median(samples.map((s) => s.redisCallsPerReq)),
    redisCpuUsPerReq: median(samples.map((s) => s.redisCpuUsPerReq)),
    commands,
    failures: samples.reduce((n, s) => n + s.non2xx + s.errors, 0),
  };
}
