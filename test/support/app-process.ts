import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A forked Node process running a compiled fixture app (see tsconfig.fixtures.json, built by `pretest`). */
export interface AppProcess {
  readonly url: string;
  readonly pid: number;
  /** Close the app gracefully, SIGKILL it if it has not exited within 5 s. */
  stop(): Promise<void>;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
/** On the Nest 11 line (jest.nest11.config.js), forked apps load Nest 11 too. */
const execArgv =
  process.env.NEST_LINE === '11' ? ['--import', fileURLToPath(new URL('./nest11-register.mjs', import.meta.url))] : [];

/** Fork `.test-dist/<entry>` with `env` and wait (at most 15 s) for it to report its port. */
export function startAppProcess(entry: string, env: Record<string, string>): Promise<AppProcess> {
  const child: ChildProcess = fork(`${root}.test-dist/${entry}`, [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not start within 15 s`));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before it listened`));
    });
    child.once('message', (message: { port: number }) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        url: `http://127.0.0.1:${message.port}`,
        pid: child.pid!,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(kill);
              done();
            });
            child.send('close');
          }),
      });
    });
  });
}
