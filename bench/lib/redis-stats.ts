import type { Redis } from 'ioredis';

/** Commands the bench itself sends while measuring; never counted. */
const OWN = new Set(['info', 'ping', 'monitor', 'flushall', 'flushdb', 'dbsize', 'memory', 'client', 'config']);

/**
 * Calls and time (µs) per command from INFO commandstats. Lua-internal calls
 * are counted as Redis counts them: as calls of their own, and their time
 * also within the script's.
 */
export async function commandStats(client: Redis): Promise<{ calls: Map<string, number>; usec: Map<string, number> }> {
  const text = await client.info('commandstats');
  const calls = new Map<string, number>();
  const usec = new Map<string, number>();
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    if (OWN.has(match[1]!)) continue;
    calls.set(match[1]!, Number(match[2]));
    usec.set(match[1]!, Number(match[3]));
  }
  return { calls, usec };
}

/** Calls per command from INFO commandstats. */
export async function commandCalls(client: Redis): Promise<Map<string, number>> {
  return (await commandStats(client)).calls;
}

/** Per-command difference `after - before`, zero entries dropped. */
export function callsDelta(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, count] of after) {
    const d = count - (before.get(name) ?? 0);
    if (d > 0) out[name] = d;
  }
  return out;
}

/** Redis's `used_memory`, bytes. */
export async function usedMemory(client: Redis): Promise<number> {
  const text = await client.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(text)?.[1] ?? NaN);
}

/** The server's own CPU time so far (INFO cpu: used_cpu_sys + used_cpu_user), µs: what scripts do counts too. */
export async function serverCpuUs(client: Redis): Promise<number> {
  const text = await client.info('cpu');
  const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? NaN);
  return (field('used_cpu_sys') + field('used_cpu_user')) * 1e6;
}
