import { Redis } from 'ioredis';

/** Redis commands of some requests, as MONITOR saw them. */
export interface CommandProbe {
  /** Commands sent by clients per request (round trips' commands; an EVALSHA is one): what the targets count. */
  topLevel: number;
  /** Commands run inside Lua scripts per request (INFO commandstats counts these too). */
  inScripts: number;
  /** Top-level commands by name, per request. */
  byName: Record<string, number>;
}

/**
 * Count the Redis commands of `requests` requests sent one after the other by
 * `send`, with MONITOR, which tells a client's commands from those a Lua
 * script runs. Only outside timed runs: MONITOR slows Redis down.
 */
export async function countCommands(
  redisPort: number,
  requests: number,
  send: (i: number) => Promise<unknown>,
): Promise<CommandProbe> {
  const client = new Redis({ host: '127.0.0.1', port: redisPort, maxRetriesPerRequest: 1 });
  const monitor = await client.monitor();
  let top = 0;
  let lua = 0;
  const byName: Record<string, number> = {};
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const name = String(args[0]).toLowerCase();
    if (name === 'ping' || name === 'info') return; // health checks and the bench's own meters, not per request
    if (source === 'lua') {
      lua++;
      return;
    }
    top++;
    byName[name] = (byName[name] ?? 0) + 1;
  });
  try {
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < requests; i++) await send(i);
    await new Promise((r) => setTimeout(r, 150)); // let MONITOR deliver the last lines
  } finally {
    monitor.disconnect();
    client.disconnect();
  }
  for (const name of Object.keys(byName)) byName[name] = byName[name]! / requests;
  return { topLevel: top / requests, inScripts: lua / requests, byName };
}
