import { connect } from 'node:net';
import { freePort, GiveUp, waitFor } from '../support/redis-server.js';
import { consumerEnv, signalGroup, spawnGroup } from './run-command.js';

/** A consumer project's built app (`node dist/main.js`) listening on a free loopback port. */
export interface AppServer {
  readonly url: string;
  /** SIGTERM (the app closes through its shutdown hooks), SIGKILL after 5 s; resolves when it is gone. */
  stop(): Promise<void>;
}

/** Start `node dist/main.js` in `dir` with `PORT` set and wait (at most 20 s) until the port accepts connections. */
export async function startAppServer(dir: string): Promise<AppServer> {
  const port = await freePort();
  const child = spawnGroup(process.execPath, ['dist/main.js'], { cwd: dir, env: consumerEnv({ PORT: String(port) }) });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async (): Promise<void> => {
    if (gone || child.pid === undefined) return;
    signalGroup(child.pid, 'SIGTERM');
    const kill = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(kill);
  };
  try {
    await waitFor(
      `${dir}/dist/main.js to listen on port ${port}`,
      () => {
        if (gone) throw new GiveUp(`the app exited before it listened:\n${output}`);
        return accepts(port);
      },
      20_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${port}`, stop };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
