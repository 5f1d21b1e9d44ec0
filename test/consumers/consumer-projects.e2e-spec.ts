import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAppServer } from './app-server.js';
import { driveCounterAndLogin } from './drive-app.js';
import { CONSUMER_PROJECTS, installProject, provideTarball, type ConsumerProject } from './fixture-project.js';
import { packedTarball } from '../support/packed-tarball.js';
import { expectSuccess, runCommand } from './run-command.js';

/**
 * The package as users get it: `npm pack` (once per change of the sources),
 * installed into Nest projects of each kind (Nest 11 CommonJS, Nest 11
 * nodenext compiling to CommonJS, Nest 12 ESM), built with the project's own
 * tsc, started with node, driven over HTTP, and tested with the project's own
 * jest setup. The projects install and build side by side.
 */

let workDir: string;
const built = new Map<ConsumerProject, Promise<string>>();

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'nest-sessions-consumers-'));
  await provideTarball(await packedTarball(), workDir);
  for (const name of CONSUMER_PROJECTS) {
    const ready = installProject(name, workDir).then(async (dir) => {
      expectSuccess(`npm run build in ${name}`, await npm(dir, ['run', 'build']));
      return dir;
    });
    ready.catch(() => undefined); // Reported by that project's first test.
    built.set(name, ready);
  }
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(built.values()); // Nothing may still write into workDir.
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 60_000);

describe.each(CONSUMER_PROJECTS)('consumer project %s', (name) => {
  const project = () => built.get(name)!;

  it('installs the packed tarball from its lockfile and builds with its own tsc', async () => {
    await project();
  }, 400_000);

  if (name === 'nest11-cjs') {
    it('loads the package with a plain require()', async () => {
      expectSuccess('scripts/require-check.js', await node(await project(), ['scripts/require-check.js']));
    }, 30_000);
  }

  it('boots dist/main.js and serves counter, login, /me and logout over HTTP', async () => {
    const app = await startAppServer(await project());
    try {
      await driveCounterAndLogin(app.url);
    } finally {
      await app.stop();
    }
  }, 60_000);

  it('passes its own jest test', async () => {
    expectSuccess(`npm test in ${name}`, await npm(await project(), ['test']));
  }, 120_000);
});

function npm(dir: string, args: string[]) {
  return runCommand('npm', args, { cwd: dir, timeoutMs: 120_000 });
}

function node(dir: string, args: string[]) {
  return runCommand(process.execPath, args, { cwd: dir, timeoutMs: 30_000 });
}
