import type { CommandProbe } from './command-probe.js';
import type { RouteName } from './payload.js';
import type { Platform } from './variants.js';

/** One timed autocannon run of one variant on one route. */
export interface RunSample {
  round: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Server CPU (user + system) per request, µs. */
  cpuUsPerReq: number;
  /** INFO commandstats calls per request, Lua-internal calls included. */
  redisCallsPerReq: number;
  /** redis-server CPU (INFO cpu) per request, µs; includes an INFO or two per run. */
  redisCpuUsPerReq: number;
  redisCalls: Record<string, number>;
}

/** Medians over the rounds of one variant on one route. */
export interface RouteResult {
  route: RouteName;
  samples: RunSample[];
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerReq: number;
  /** Median over rounds of rps / ceiling rps of the same round. */
  ratioToCeiling: number | null;
  /** Median over rounds of cpuUsPerReq - ceiling's of the same round. */
  addedCpuUs: number | null;
  redisCallsPerReq: number;
  redisCpuUsPerReq: number;
  /** MONITOR count of a few sequential requests, outside the timed runs. */
  commands: CommandProbe | null;
  failures: number;
}

export interface VariantResult {
  id: string;
  label: string;
  platform: Platform;
  skipped?: string;
  /** VmHWM of the server process at the end of the bench, MiB. */
  peakRssMiB?: number;
  /** Sessions the /login runs created in it (all rounds and warm-up). */
  logins?: number;
  routes: RouteResult[];
}

export interface HttpBenchResult {
  settings: { durationSec: number; rounds: number; warmupSec: number; connections: number; profileBytes: number };
  variants: VariantResult[];
}
