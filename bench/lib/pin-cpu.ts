import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** CPUs this process may use, read once: pinning this process itself would make it 1 afterwards. */
const CPUS = availableParallelism();

/**
 * Bind process `pid` (all its threads) to CPU `cpu` with taskset(1), so an
 * app under test never shares its core with the load generator or Redis:
 * on a 2-core machine, whichever process the scheduler pairs with the app
 * otherwise decides its throughput more than the code does. False (and
 * nothing done) when taskset is missing, fails, or the machine has one CPU.
 */
export function pinToCpu(pid: number, cpu: number): boolean {
  if (CPUS < 2 || cpu >= CPUS) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
