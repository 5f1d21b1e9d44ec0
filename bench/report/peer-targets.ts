import { median } from '../lib/stats.js';
import type { RouteName } from '../http/payload.js';
import type { HttpBenchResult, RouteResult } from '../http/types.js';
import type { Platform } from '../http/variants.js';
import type { StoreBenchResult } from '../stores/run.js';
import type { OverheadResult } from '../overhead/run.js';
import { fixed } from './format.js';
import { peerRatio } from './overhead.js';
import type { TargetCheck } from './targets.js';

/** The targets of "ahead of every peer": each app against express-session / @fastify/session, same store. */

const PLATFORMS: Platform[] = ['express', 'fastify'];
const WORK: RouteName[] = ['login', 'read', 'write'];
const PEER_LABEL: Record<Platform, string> = { express: 'express-session', fastify: '@fastify/session' };
const STORES = [
  { store: 'memory', label: 'MemoryStore', peer: 'memory' },
  { store: 'redis', label: 'RedisStore', peer: 'redis' },
] as const;

const check = (target: string, value: number | null | undefined, held: (v: number) => boolean, unit = ' ×') =>
  value === null || value === undefined || !Number.isFinite(value)
    ? { target, measured: 'not measured', held: null }
    : { target, measured: `${fixed(value, 2)}${unit}`, held: held(value) };

function httpRoute(http: HttpBenchResult | undefined, id: string, route: RouteName): RouteResult | undefined {
  return http?.variants.find((v) => v.id === id)?.routes.find((r) => r.route === route);
}

function inProcessRow(o: OverheadResult | undefined, platform: Platform, variant: string) {
  return o?.rows.find((r) => r.platform === platform && r.variant === variant);
}

/** Median over rounds of a's rps / b's rps in the same round. */
function rpsRatio(a: RouteResult | undefined, b: RouteResult | undefined): number | undefined {
  if (!a || !b) return undefined;
  const byRound = new Map(b.samples.map((s) => [s.round, s.rps]));
  const ratios = a.samples.filter((s) => byRound.has(s.round)).map((s) => s.rps / byRound.get(s.round)!);
  return ratios.length ? median(ratios) : undefined;
}

export function peerTargets(
  http: HttpBenchResult | undefined,
  stores: StoreBenchResult | undefined,
  o: OverheadResult | undefined,
): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const platform of PLATFORMS) {
    const peerName = PEER_LABEL[platform];
    for (const { store, label, peer } of STORES) {
      const row = inProcessRow(o, platform, `module-${store}`);
      for (const route of WORK) {
        out.push(
          check(
            `${platform} ${route}: added CPU ≤ 0.5 × ${peerName}'s (${label}, in-process)`,
            row && o ? peerRatio(o, row, route) : undefined,
            (v) => v <= 0.5,
          ),
        );
        const own = httpRoute(http, `${platform}-module-${store}`, route)?.addedCpuUs;
        const theirs = httpRoute(http, `${platform}-session-${peer}`, route)?.addedCpuUs;
        out.push(
          check(
            `${platform} ${route}: added CPU ≤ 0.5 × ${peerName}'s (${label}, HTTP)`,
            own !== undefined && own !== null && theirs ? own / theirs : undefined,
            (v) => v <= 0.5,
          ),
        );
      }
      for (const route of [...WORK, 'anon'] as RouteName[]) {
        out.push(
          check(
            `${platform} ${route}: req/s ≥ ${peerName}'s (${label}, HTTP)`,
            rpsRatio(
              httpRoute(http, `${platform}-module-${store}`, route),
              httpRoute(http, `${platform}-session-${peer}`, route),
            ),
            (v) => v >= 1,
          ),
        );
      }
    }
    const cached = inProcessRow(o, platform, 'module-cached')?.addedUs?.read;
    const memory = inProcessRow(o, platform, 'module-memory')?.addedUs?.read;
    out.push(
      check(
        `${platform} read: CachedStore hit ≤ MemoryStore read (added CPU, in-process)`,
        cached !== undefined && cached !== null && memory ? cached / memory : undefined,
        (v) => v <= 1,
      ),
    );
    out.push(
      check(
        `${platform} anon: added CPU ≤ 5 µs (MemoryStore, in-process)`,
        inProcessRow(o, platform, 'module-memory')?.addedUs?.anon,
        (v) => v <= 5,
        ' µs',
      ),
    );
    const connectRedis = inProcessRow(o, platform, `${platform}-session-redis`)?.redis;
    for (const variant of ['module-redis', 'module-cached']) {
      const redis = inProcessRow(o, platform, variant)?.redis;
      const name = variant === 'module-redis' ? 'RedisStore' : 'CachedStore';
      // A write loads and writes once. CachedStore publishes nothing (Redis reports changes), but its
      // load misses here: the bench writes one session again and again, and every write drops the copy.
      const expected: Partial<Record<RouteName, number>> = { login: 1, write: 2 };
      for (const route of ['login', 'write'] as const) {
        out.push(
          check(
            `${platform} ${route}: Redis round trips = ${expected[route]} (${name}${route === 'write' ? (variant === 'module-redis' ? ': load + write' : ': load after its own write + write') : ''})`,
            redis?.[route]?.roundTrips,
            (v) => Math.abs(v - expected[route]!) <= 0.05,
            '',
          ),
        );
        const ours = redis?.[route]?.cpuUs;
        const theirs = connectRedis?.[route]?.cpuUs;
        out.push(
          check(
            `${platform} ${route}: Redis CPU ≤ ${peerName} + connect-redis's (${name}, per request)`,
            ours !== undefined && ours !== null && theirs ? ours / theirs : undefined,
            (v) => v <= 1,
          ),
        );
      }
    }
  }
  for (const sessions of stores?.settings.memorySizes ?? []) {
    const at = (kind: string, anonymous: boolean) =>
      stores?.memory.find((m) => m.kind === kind && m.sessions === sessions && m.anonymous === anonymous);
    const theirs = at('connect-redis', false)?.bytesPerSession;
    const owned = at('redis', false);
    const anon = at('redis', true);
    const ratio = (ours: number | undefined) => (ours !== undefined && theirs ? ours / theirs : undefined);
    out.push(
      check(
        `Redis memory ≤ connect-redis's (${sessions} logged-in sessions, owner index included)`,
        ratio(owned?.bytesPerSession),
        (v) => v <= 1,
      ),
      check(
        `Redis memory ≤ connect-redis's (${sessions} logged-in sessions, session keys alone)`,
        ratio(owned && owned.bytesPerSession - (owned.indexBytesPerSession ?? 0)),
        (v) => v <= 1,
      ),
      check(
        `Redis memory ≤ connect-redis's (${sessions} anonymous sessions, which hold no userId)`,
        ratio(anon?.bytesPerSession),
        (v) => v <= 1,
      ),
    );
  }
  return out;
}
