import { median } from '../lib/stats.js';
import type { RouteName } from '../http/payload.js';
import type { HttpBenchResult, RouteResult } from '../http/types.js';
import type { StoreBenchResult } from '../stores/run.js';
import type { OverheadResult } from '../overhead/run.js';
import { fixed } from './format.js';

export interface TargetCheck {
  target: string;
  measured: string;
  /** null when the variant needed was not measured. */
  held: boolean | null;
}

function route(http: HttpBenchResult | undefined, variant: string, name: RouteName): RouteResult | undefined {
  return http?.variants.find((v) => v.id === variant)?.routes.find((r) => r.route === name);
}

/** Median over rounds of a's rps / b's rps in the same round. */
function pairedRatio(a: RouteResult | undefined, b: RouteResult | undefined): number | undefined {
  if (!a || !b) return undefined;
  const byRound = new Map(b.samples.map((s) => [s.round, s.rps]));
  const ratios = a.samples.filter((s) => byRound.has(s.round)).map((s) => s.rps / byRound.get(s.round)!);
  return ratios.length ? median(ratios) : undefined;
}

function atMost(
  target: string,
  value: number | null | undefined,
  limit: number,
  unit: string,
  digits = 1,
): TargetCheck {
  if (value === null || value === undefined || !Number.isFinite(value))
    return { target, measured: 'not measured', held: null };
  return { target, measured: `${fixed(value, digits)}${unit}`, held: value <= limit };
}

function atLeast(target: string, value: number | null | undefined, limit: number): TargetCheck {
  if (value === null || value === undefined || !Number.isFinite(value))
    return { target, measured: 'not measured', held: null };
  return { target, measured: `${fixed(value, 2)} ×`, held: value >= limit };
}

/** Commands per request within ±0.05 of what is expected (a cache miss after a write may add a few hundredths). */
function commands(target: string, r: RouteResult | undefined, expected: number): TargetCheck {
  const probe = r?.commands;
  if (!probe) return { target, measured: 'not measured', held: null };
  const names = Object.entries(probe.byName)
    .map(([n, c]) => `${n} ${fixed(c, 2)}`)
    .join(', ');
  return {
    target,
    measured: `${fixed(probe.topLevel, 2)}${names ? ` (${names})` : ''}`,
    held: Math.abs(probe.topLevel - expected) <= 0.05,
  };
}

function inProcess(
  overhead: OverheadResult | undefined,
  platform: string,
  variant: string,
  name: RouteName,
): number | null | undefined {
  return overhead?.rows.find((r) => r.platform === platform && r.variant === variant)?.addedUs?.[name];
}

/** The issue's targets, each against what was measured. */
export function checkTargets(
  http: HttpBenchResult | undefined,
  stores: StoreBenchResult | undefined,
  overhead?: OverheadResult,
): TargetCheck[] {
  const checks: TargetCheck[] = [
    atMost(
      'Express anon: added CPU ≤ 5 µs/request (MemoryStore, in-process)',
      inProcess(overhead, 'express', 'module-memory', 'anon'),
      5,
      ' µs',
    ),
    atMost(
      'Express read: added CPU ≤ 20 µs/request (MemoryStore, in-process)',
      inProcess(overhead, 'express', 'module-memory', 'read'),
      20,
      ' µs',
    ),
    atMost(
      'Express anon: added CPU ≤ 5 µs/request (MemoryStore)',
      route(http, 'express-module-memory', 'anon')?.addedCpuUs,
      5,
      ' µs',
    ),
    atMost(
      'Express read: added CPU ≤ 20 µs/request (MemoryStore)',
      route(http, 'express-module-memory', 'read')?.addedCpuUs,
      20,
      ' µs',
    ),
    atMost(
      'Express read: added CPU ≤ 25 µs/request (CachedStore hit)',
      route(http, 'express-module-cached', 'read')?.addedCpuUs,
      25,
      ' µs',
    ),
    atMost(
      'Express write: added CPU ≤ 60 µs/request (RedisStore)',
      route(http, 'express-module-redis', 'write')?.addedCpuUs,
      60,
      ' µs',
    ),
    atLeast(
      'Express read ≥ 0.95 × ceiling (MemoryStore)',
      route(http, 'express-module-memory', 'read')?.ratioToCeiling,
      0.95,
    ),
    atLeast(
      'Express read ≥ 0.95 × ceiling (CachedStore)',
      route(http, 'express-module-cached', 'read')?.ratioToCeiling,
      0.95,
    ),
    atLeast(
      'Express read ≥ 1.5 × express-session + connect-redis (CachedStore)',
      pairedRatio(route(http, 'express-module-cached', 'read'), route(http, 'express-session-redis', 'read')),
      1.5,
    ),
    atLeast(
      'Express read ≥ 1.5 × express-session + connect-redis (RedisStore, no cache)',
      pairedRatio(route(http, 'express-module-redis', 'read'), route(http, 'express-session-redis', 'read')),
      1.5,
    ),
    atLeast(
      'Fastify read ≥ 0.85 × ceiling (MemoryStore)',
      route(http, 'fastify-module-memory', 'read')?.ratioToCeiling,
      0.85,
    ),
    atLeast(
      'Fastify read ≥ 0.85 × ceiling (CachedStore)',
      route(http, 'fastify-module-cached', 'read')?.ratioToCeiling,
      0.85,
    ),
    atLeast(
      'Fastify anon ≥ 0.95 × ceiling (MemoryStore)',
      route(http, 'fastify-module-memory', 'anon')?.ratioToCeiling,
      0.95,
    ),
    commands('Redis commands, cached read = 0 (CachedStore /read)', route(http, 'express-module-cached', 'read'), 0),
    commands('Redis commands, uncached read = 1 (RedisStore /read)', route(http, 'express-module-redis', 'read'), 1),
    commands(
      'Redis commands, write = 1 load + 1 write (RedisStore /write)',
      route(http, 'express-module-redis', 'write'),
      2,
    ),
    commands(
      // Nothing is published (Redis reports the write itself), and that report makes the next load a miss.
      'Redis commands, write = 1 load + 1 write, no publish (CachedStore /write)',
      route(http, 'express-module-cached', 'write'),
      2,
    ),
  ];
  for (const m of stores?.memory.filter((r) => r.kind === 'memory' && !r.anonymous) ?? []) {
    checks.push(
      atMost(
        `MemoryStore memory ≤ 1.2 × JSON size per session (${m.sessions} logged-in sessions)`,
        m.ratioToJson,
        1.2,
        ' ×',
        2,
      ),
    );
  }
  return checks;
}
