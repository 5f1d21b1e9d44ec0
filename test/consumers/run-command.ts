import { spawn, type ChildProcess } from 'node:child_process';
import { runInThisContext } from 'node:vm';

/**
 * Child processes of the consumer tests. Each runs in a process group of its
 * own (npm starts node, which may start jest workers), so it is stopped by
 * signalling the group of the child's pid, never by name. A group still
 * running when the test process exits is SIGKILLed; the listener goes on the
 * real process, as jest's per-file `process` copy never fires `exit`.
 */
const running = new Set<number>();
const hostProcess = runInThisContext('process') as NodeJS.Process;
const killRunning = (): void => running.forEach((pid) => signalGroup(pid, 'SIGKILL'));

export interface CommandResult {
  readonly code: number | null;
  /** stdout and stderr interleaved, for the failure message. */
  readonly output: string;
  readonly ms: number;
}

/**
 * The environment of a consumer project's commands: ours without what npm and
 * jest put there for this repository (`npm_config_local_prefix`, `npm_package_*`,
 * `JEST_WORKER_ID`), which would point the project's npm and jest back at us.
 */
export function consumerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|jest_worker_id$|init_cwd$)/i.test(key)) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Start `command args` in a process group of its own, with output piped. */
export function spawnGroup(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pid = child.pid;
  if (pid !== undefined) {
    if (running.size === 0) hostProcess.on('exit', killRunning);
    running.add(pid);
    child.once('exit', () => {
      running.delete(pid);
      if (running.size === 0) hostProcess.off('exit', killRunning);
    });
  }
  return child as ChildProcess & { stdout: NodeJS.ReadableStream; stderr: NodeJS.ReadableStream };
}

/** Signal the process group led by `pid`; a group already gone is not an error. */
export function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Run `command args` in `cwd` to its end; after `timeoutMs` its group is SIGKILLed. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  const started = Date.now();
  const child = spawnGroup(command, args, { cwd: options.cwd, env: options.env ?? consumerEnv() });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      output += `\n[killed after ${options.timeoutMs} ms]`;
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - started });
    });
  });
}

/** Fail with the command's own output, which says what went wrong. */
export function expectSuccess(what: string, result: CommandResult): void {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.output.slice(-6_000)}`);
}
