import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInThisContext } from 'node:vm';

/**
 * Private `redis-server` processes for fault tests: each on its own loopback
 * port, with no persistence, controlled by pid. A test that starts one stops
 * it in `afterAll` (`await server.stop()`); a process a crashed test left
 * behind is SIGKILLed when the test process exits.
 *
 * @example
 * const server = await startRedisServer();
 * const client = new Redis(server.url, recommendedRedisOptions);
 * await server.kill(); // SIGKILL: connections drop, the port refuses
 * await server.restart(); // same port, empty dataset
 * server.freeze(); // SIGSTOP: TCP stays open, nothing answers
 * server.thaw(); // SIGCONT
 * await server.stop();
 */

const HOST = '127.0.0.1';
/** How long a server may take to answer PING, or a cluster to say `cluster_state:ok`. */
const READY_TIMEOUT_MS = 10_000;
const POLL_MS = 50;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every child still running, with its directory: SIGKILLed by pid and the
 * directory removed if the test process exits without stopping it. The
 * listener goes on the real process (jest gives each test file a copy of
 * `process` whose events never fire), and only while children run, so test
 * files do not pile up listeners.
 */
const running = new Map<ChildProcess, string>();
const hostProcess = runInThisContext('process') as NodeJS.Process;
const killRunning = (): void => {
  for (const [child, dir] of running) {
    if (child.pid !== undefined) tryKill(child.pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
};

function track(child: ChildProcess, dir: string): void {
  if (running.size === 0) hostProcess.on('exit', killRunning);
  running.set(child, dir);
  child.once('exit', () => {
    running.delete(child);
    if (running.size === 0) hostProcess.off('exit', killRunning);
  });
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

export interface RedisServerOptions {
  /** Port to listen on. @default a free loopback port */
  port?: number;
  /**
   * Extra `redis-server` arguments, e.g. `['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction']`.
   * With `--cluster-enabled yes`, the cluster config file goes in the server's directory.
   */
  args?: string[];
}

/** A private redis-server process. Every control method acts on its pid. */
export interface RedisServer {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:<port>`, for `new Redis(server.url, …)`. */
  readonly url: string;
  /** Pid of the running process; undefined once it was stopped or killed. */
  readonly pid: number | undefined;
  /** The data and config directory of this server (removed by `stop()`). */
  readonly dir: string;
  /** Send one command over a fresh connection and return the reply (see `redisCommand`). */
  command(...args: string[]): Promise<RespReply>;
  /** SIGKILL, as a crash: connections drop at once. Resolves when the process is gone. */
  kill(): Promise<void>;
  /** SIGSTOP: the socket stays open and accepts bytes, but nothing answers (a hung server). */
  freeze(): void;
  /** SIGCONT after `freeze()`: replies to what was sent meanwhile follow. */
  thaw(): void;
  /** Start again on the same port with the same arguments (stopping it first if it runs). Data is gone. */
  restart(): Promise<void>;
  /** Stop it (SIGTERM, SIGKILL after 3 s) and remove its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** A RESP reply: simple strings and bulk strings as strings, integers as numbers, arrays nested; errors as Error. */
export type RespReply = string | number | null | Error | RespReply[];

/**
 * Start `redis-server --port P --bind 127.0.0.1 --save "" --appendonly no`
 * (plus `options.args`) in a temporary directory, and wait until it answers
 * PING. Throws, with the server's last output lines, if it exits or does not
 * answer within 10 s.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const extra = options.args ?? [];
  const dir = mkdtempSync(join(tmpdir(), 'nest-sessions-redis-'));
  let port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;
  let frozen = false;

  const launch = async (): Promise<void> => {
    child = await spawnRedis(port, dir, extra);
  };
  // A free port can be taken between the check and the bind: draw another (only when we chose it).
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      if (options.port !== undefined || attempt >= 3 || !String(error).includes('Address already in use')) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
      port = await freePort();
    }
  }

  const halt = async (): Promise<void> => {
    const current = child;
    child = undefined;
    if (!current) return;
    if (frozen) tryKill(current.pid!, 'SIGCONT');
    frozen = false;
    await terminate(current);
  };

  return {
    host: HOST,
    get port() {
      return port;
    },
    get url() {
      return `redis://${HOST}:${port}`;
    },
    get pid() {
      return child?.pid;
    },
    dir,
    command: (...args) => redisCommand(port, args),
    async kill() {
      const current = child;
      child = undefined;
      frozen = false;
      if (current) await signalAndWait(current, 'SIGKILL', 5_000);
    },
    freeze() {
      if (!child) throw new Error(`redis-server on port ${port} is not running`);
      tryKill(child.pid!, 'SIGSTOP');
      frozen = true;
    },
    thaw() {
      if (!child) throw new Error(`redis-server on port ${port} is not running`);
      tryKill(child.pid!, 'SIGCONT');
      frozen = false;
    },
    async restart() {
      await halt();
      await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A running Redis Cluster, each node a private redis-server. */
export interface RedisCluster {
  readonly nodes: RedisServer[];
  /** `[{ host, port }]` of every node, for `new Cluster(cluster.startupNodes, …)`. */
  readonly startupNodes: Array<{ host: string; port: number }>;
  /** Stop every node by pid and remove their directories. */
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /** Replicas per master (`--cluster-replicas`). @default 0 */
  replicas?: number;
  /** `--cluster-node-timeout`, ms: how soon a silent master is failed over. @default 2000 */
  nodeTimeout?: number;
}

/**
 * Start `n` masters (and `n × replicas` replicas), each a cluster-enabled
 * node in its own temporary directory, join them with
 * `redis-cli --cluster create … --cluster-replicas R --cluster-yes`, and wait
 * until every node reports `cluster_state:ok` with all 16384 slots assigned
 * and every replica's link to its master is up.
 */
export async function startRedisCluster(n = 3, options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const { replicas = 0, nodeTimeout = 2_000 } = options;
  const total = n * (1 + replicas);
  const nodes: RedisServer[] = [];
  const stopAll = () => Promise.all(nodes.map((node) => node.stop())).then(() => undefined);
  try {
    for (let i = 0; i < total; i++) {
      // The cluster bus listens on port + 10000, so that one must be free too.
      const port = await freePort({ withClusterBus: true });
      const node = await startRedisServer({
        port,
        args: ['--cluster-enabled', 'yes', '--cluster-node-timeout', String(nodeTimeout)],
      });
      nodes.push(node);
    }
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...nodes.map((node) => `${HOST}:${node.port}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ],
      30_000,
    );
    await waitFor(
      `cluster of ${total} nodes to report cluster_state:ok`,
      async () => {
        const infos = await Promise.all(nodes.map((node) => node.command('CLUSTER', 'INFO')));
        const replication = await Promise.all(nodes.map((node) => node.command('INFO', 'replication')));
        return (
          infos.every(
            (info) =>
              typeof info === 'string' &&
              info.includes('cluster_state:ok') &&
              info.includes('cluster_slots_assigned:16384') &&
              info.includes(`cluster_known_nodes:${total}`),
          ) &&
          replication.every(
            (info) => !String(info).includes('role:slave') || String(info).includes('master_link_status:up'),
          )
        );
      },
      20_000,
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  return {
    nodes,
    startupNodes: nodes.map((node) => ({ host: HOST, port: node.port })),
    stop: stopAll,
  };
}

/**
 * A loopback port nothing listens on right now. With `withClusterBus`, one
 * below 55536 whose cluster bus port (+10000) is free as well.
 */
export async function freePort(options: { withClusterBus?: boolean } = {}): Promise<number> {
  if (!options.withClusterBus) return listenOnce(0);
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 35_000);
    try {
      await listenOnce(port);
      await listenOnce(port + 10_000);
      return port;
    } catch {
      // Taken: draw again.
    }
  }
  throw new Error('no free port pair for a cluster node');
}

/**
 * Send one command (as a RESP array) to 127.0.0.1:`port` over a fresh
 * connection and resolve to its reply; rejects if no complete reply arrives
 * within `timeoutMs`. Handy for setup (`CONFIG SET maxmemory 1mb`,
 * `CLIENT PAUSE 3000 ALL`) without an ioredis client.
 */
export function redisCommand(port: number, args: string[], timeoutMs = 2_000): Promise<RespReply> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let buffer = Buffer.alloc(0);
    const done = (error: Error | null, reply?: RespReply) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(reply!);
    };
    const timer = setTimeout(
      () => done(new Error(`no reply to ${args[0]} from port ${port} in ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('error', (error) => done(error));
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      const parsed = parseResp(buffer, 0);
      if (parsed) done(null, parsed.value);
    });
    socket.connect(port, HOST, () => {
      const parts = args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
      socket.write(`*${args.length}\r\n${parts.join('')}`);
    });
  });
}

/**
 * Poll `check` every 50 ms until it resolves true; throws after `timeoutMs`.
 * Errors count as "not yet", except a `GiveUp`, which ends the wait at once.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = READY_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    await sleep(POLL_MS);
  }
  const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}

/** Thrown from a `waitFor` check: stop polling now (the thing waited for can no longer happen). */
export class GiveUp extends Error {}

// ------------------------------------------------------------------ internals

async function spawnRedis(port: number, dir: string, extra: string[]): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    HOST,
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    ...(extra.includes('--cluster-enabled') ? ['--cluster-config-file', join(dir, `nodes-${port}.conf`)] : []),
    ...extra,
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child, dir);
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    output.splice(0, Math.max(0, output.length - 20));
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  try {
    await waitFor(`redis-server on port ${port} to answer PING`, async () => {
      if (spawnError) throw new GiveUp(`could not start redis-server: ${spawnError.message}`);
      if (child.exitCode !== null || child.signalCode !== null) throw new GiveUp('redis-server exited');
      return (await redisCommand(port, ['PING'], 500)) === 'PONG';
    });
  } catch (error) {
    await terminate(child);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}; redis-server said:\n${output.join('\n')}`);
  }
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (await signalAndWait(child, 'SIGTERM', 3_000)) return;
  await signalAndWait(child, 'SIGKILL', 5_000);
}

/** Send `signal` to the child's pid; resolve true once it has exited, false after `timeoutMs`. */
function signalAndWait(child: ChildProcess, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
    tryKill(child.pid!, signal);
  });
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, HOST, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(bound));
    });
  });
}

function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Parse one RESP value at `offset`; null while the buffer holds only part of it. */
function parseResp(buffer: Buffer, offset: number): { value: RespReply; end: number } | null {
  const lineEnd = buffer.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const type = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString('utf8', offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new Error(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return null;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespReply[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parseResp(buffer, position);
        if (!item) return null;
        items.push(item.value);
        position = item.end;
      }
      return { value: items, end: position };
    }
    default:
      throw new Error(`unexpected RESP type ${JSON.stringify(type)}`);
  }
}
