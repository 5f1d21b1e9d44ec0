import { spawn } from 'node:child_process';
import { freePort } from './free-port.js';
import { stopPid } from './stop-pid.js';

export interface RedisServerHandle {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/**
 * Start a private redis-server on a free loopback port, without persistence,
 * and resolve once it accepts connections. Stopped by pid with `stop()`.
 */
export async function startRedisServer(attempts = 3): Promise<RedisServerHandle> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    const port = await freePort();
    try {
      return await launch(port);
    } catch (error) {
      lastError = error; // most likely the port was taken meanwhile: pick another
    }
  }
  throw new Error(`could not start redis-server: ${String(lastError)}`);
}

function launch(port: number): Promise<RedisServerHandle> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      if (pid) void stopPid(pid);
      reject(new Error(`redis-server did not start within 10 s: ${output.slice(-500)}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stdout.resume();
        child.stderr.resume();
        resolve({ port, pid: pid!, stop: () => stopPid(pid!) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${output.slice(-500)}`));
    });
  });
}
