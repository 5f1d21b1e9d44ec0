import { connect, type Socket } from 'node:net';

/** Redis commands of some requests, as MONITOR saw them. */
export interface CommandProbe {
  /** Commands sent by clients per request (round trips' commands; an EVALSHA is one): what the targets count. */
  topLevel: number;
  /** Commands run inside Lua scripts per request (INFO commandstats counts these too). */
  inScripts: number;
  /** Top-level commands by name, per request. */
  byName: Record<string, number>;
}

/** A MONITOR line: `+<time> [<db> <client address, or lua>] "<command>" "<arg>"…`. */
const LINE = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] "((?:[^"\\]|\\.)*)"/;

/**
 * A MONITOR connection of its own on a plain socket, calling `onCommand`
 * for each command it reports. Not ioredis's `monitor()`: its connection
 * switches to monitor mode only in a promise callback after MONITOR's OK, so
 * on a busy server a line that arrives in the same packet as the OK is taken
 * for the reply of a command never sent ("Command queue state error"),
 * thrown from the socket's data handler, and the bench dies.
 */
async function openMonitor(port: number, onCommand: (name: string, source: string) => void): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let pending = '';
  let started = false;
  const ready = new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\r\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!started) {
          if (line !== '+OK') return reject(new Error(`MONITOR answered ${line}`));
          started = true;
          resolve();
          continue;
        }
        const match = LINE.exec(line);
        if (match) onCommand(match[2]!.toLowerCase(), match[1]!);
      }
    });
  });
  socket.on('error', () => undefined);
  socket.write('MONITOR\r\n');
  await ready;
  return socket;
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
  let top = 0;
  let lua = 0;
  const byName: Record<string, number> = {};
  const monitor = await openMonitor(redisPort, (name, source) => {
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
    monitor.destroy();
  }
  for (const name of Object.keys(byName)) byName[name] = byName[name]! / requests;
  return { topLevel: top / requests, inScripts: lua / requests, byName };
}
