import { copyFile, cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectSuccess, runCommand } from './run-command.js';

const fixtures = fileURLToPath(new URL('./', import.meta.url));

/** The consumer projects under test/consumers/, each a small app as `nest new` would write it. */
export const CONSUMER_PROJECTS = ['nest11-cjs', 'nest11-nodenext', 'nest12-esm'] as const;
export type ConsumerProject = (typeof CONSUMER_PROJECTS)[number];

/**
 * Put `tarball` where the projects' `"nest-sessions": "file:../nest-sessions.tgz"`
 * dependency points: beside the project copies in `workDir`.
 */
export async function provideTarball(tarball: string, workDir: string): Promise<void> {
  await copyFile(tarball, join(workDir, 'nest-sessions.tgz'));
}

/**
 * Copy project `name` into `workDir` and install it as a user would (`npm install`
 * from its committed lockfile, preferring the npm cache). Resolves to the copy.
 */
export async function installProject(name: ConsumerProject, workDir: string): Promise<string> {
  const dir = join(workDir, name);
  await cp(join(fixtures, name), dir, {
    recursive: true,
    filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
  });
  await forgetTarballIntegrity(dir);
  const install = await runCommand('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
    cwd: dir,
    timeoutMs: 240_000,
  });
  expectSuccess(`npm install in ${name}`, install);
  return dir;
}

/**
 * The lockfile pins every registry package, but not the tarball: npm would
 * otherwise take the tarball recorded by integrity from its cache (an old
 * build) instead of reading the one just packed.
 */
async function forgetTarballIntegrity(dir: string): Promise<void> {
  const file = join(dir, 'package-lock.json');
  const lock = JSON.parse(await readFile(file, 'utf8')) as { packages: Record<string, { integrity?: string }> };
  delete lock.packages['node_modules/nest-sessions'].integrity;
  await writeFile(file, JSON.stringify(lock, null, 2));
}
