import { Redis } from 'ioredis';
import type { RouteName } from '../http/payload.js';
import { callsDelta, commandStats, serverCpuUs } from '../lib/redis-stats.js';
import { countCommands } from '../lib/redis-monitor.js';
import { round } from '../lib/stats.js';

/** What one app's requests cost Redis, per request. */
export interface RedisCost {
  /** redis-server CPU (INFO cpu: used_cpu_sys + used_cpu_user), µs: the lowest batch, as for the app's own CPU. */
  cpuUs: number | null;
  /** Commands clients sent (MONITOR, outside the timed batches; an EVALSHA is one): the round trips. */
  roundTrips: number | null;
  /** All calls INFO commandstats counted over the timed batches, those inside Lua scripts included. */
  calls: number | null;
  /** Client commands by name. */
  byName: Record<string, number>;
  /** Time inside each command (INFO commandstats usec) per request, over the timed batches; a script's includes its calls. */
  usecByCommand: Record<string, number>;
}

/** Meters the bench's redis-server around batches of one app's requests. */
export class RedisMeter {
  private readonly admin: Redis;
  private readonly lowestCpu = new Map<RouteName, number>();
  private readonly calls = new Map<RouteName, { calls: number; requests: number; usec: Record<string, number> }>();

  constructor(private readonly port: number) {
    this.admin = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  }

  /** Run one batch of `requests` requests and record what Redis spent on it. */
  async batch(route: RouteName, requests: number, run: () => Promise<void>): Promise<void> {
    const stats0 = await commandStats(this.admin);
    const cpu0 = await serverCpuUs(this.admin);
    await run();
    const cpu1 = await serverCpuUs(this.admin);
    const stats1 = await commandStats(this.admin);
    const perRequest = (cpu1 - cpu0) / requests;
    this.lowestCpu.set(route, Math.min(this.lowestCpu.get(route) ?? Infinity, perRequest));
    const total = Object.values(callsDelta(stats0.calls, stats1.calls)).reduce((a, b) => a + b, 0);
    const sum = this.calls.get(route) ?? { calls: 0, requests: 0, usec: {} };
    for (const [name, usec] of Object.entries(callsDelta(stats0.usec, stats1.usec))) {
      sum.usec[name] = (sum.usec[name] ?? 0) + usec;
    }
    this.calls.set(route, { calls: sum.calls + total, requests: sum.requests + requests, usec: sum.usec });
  }

  /** The costs per route, with a MONITOR count of `probe` more requests of each. */
  async costs(
    routes: readonly RouteName[],
    send: (route: RouteName) => Promise<unknown>,
    probe = 50,
  ): Promise<Record<RouteName, RedisCost | null>> {
    const out = {} as Record<RouteName, RedisCost | null>;
    for (const route of routes) {
      const commands = await countCommands(this.port, probe, () => send(route));
      const sum = this.calls.get(route);
      out[route] = {
        cpuUs: round(this.lowestCpu.get(route) ?? NaN, 1),
        roundTrips: round(commands.topLevel, 2),
        calls: sum ? round(sum.calls / sum.requests, 2) : null,
        byName: commands.byName,
        usecByCommand: Object.fromEntries(
          Object.entries(sum?.usec ?? {}).map(([name, usec]) => [name, round(usec / sum!.requests, 2) ?? 0]),
        ),
      };
    }
    return out;
  }

  close(): void {
    this.admin.disconnect();
  }
}
