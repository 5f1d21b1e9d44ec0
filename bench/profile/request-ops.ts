/**
 * `node --cpu-prof` on the request lifecycle, in-process: where a login, a
 * read and a write of one app (MemoryStore by default, so the store does not
 * dominate) spend their CPU, per platform. Run on its own:
 *   npx tsc -p tsconfig.bench.json && node .bench-dist/bench/profile/request-ops.js \
 *     --platforms=express,fastify --variant=module-memory --requests=20000 --top=15
 */
import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listArg, numberArg, parseArgs } from '../lib/args.js';
import { stopPid } from '../lib/stop-pid.js';
import { summarizeProfile } from './analyze.js';
import type { RequestPhase } from './request-ops-main.js';

const CHILD = fileURLToPath(new URL('./request-ops-main.js', import.meta.url));
const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

async function profilePlatform(platform: string, variant: string, requests: number, dir: string) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = fork(CHILD, [JSON.stringify({ platform, variant, requests })], {
    env,
    execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const phases = await new Promise<RequestPhase[]>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('request profile: no result within 5 min')), 300_000);
    child.once('message', (m: { phases: RequestPhase[] }) => done(m.phases));
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`request profile: exited (${code}) without a result`));
    });
  }).catch(async (error: unknown) => {
    await stopPid(child.pid!);
    throw error;
  });
  await new Promise<void>((done) => (child.exitCode === null ? child.once('exit', () => done()) : done()));
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
  return phases.map((p) => ({ phase: p, file: join(dir, file) }));
}

const args = parseArgs(process.argv.slice(2));
const platforms = listArg(args, 'platforms').length ? listArg(args, 'platforms') : ['express', 'fastify'];
const variant = args.get('variant') ?? 'module-memory';
const requests = Math.round(numberArg(args, 'requests', 20_000));
const top = Math.round(numberArg(args, 'top', 15));
const out = resolve(ROOT, args.get('out') ?? 'bench/results/request-profile');
for (const platform of platforms) {
  for (const { phase, file } of await profilePlatform(platform, variant, requests, join(out, platform))) {
    const s = summarizeProfile(file, ROOT, phase.ops, phase, top);
    console.log(`\n## ${platform} ${variant} ${phase.op}: ${phase.cpuUsPerOp.toFixed(1)} µs CPU/request (profiled)`);
    console.log('self time, top frames (µs/request, % of busy):');
    for (const f of s.top)
      console.log(`  ${f.usPerReq.toFixed(1).padStart(6)}  ${String(f.pct).padStart(5)}%  ${f.name}  ${f.where}`);
    console.log('lib/ inclusive:');
    for (const f of s.libInclusive.slice(0, 10))
      console.log(`  ${f.usPerReq.toFixed(1).padStart(6)}  ${f.name}  ${f.where}`);
    console.log(
      'by origin: ' +
        s.byOrigin
          .slice(0, 8)
          .map((o) => `${o.origin} ${o.usPerReq}`)
          .join(', '),
    );
  }
}
