import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = process.cwd();

/** Everything that goes into the tarball: the sources and the build's configuration. */
function inputs(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (!name.endsWith('.spec.ts')) files.push(path);
    }
  };
  walk(join(ROOT, 'lib'));
  for (const name of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.build-cjs.json', 'README.md']) {
    files.push(join(ROOT, name));
  }
  return files.sort();
}

/**
 * The package as users install it: `npm pack` (whose `prepack` runs the
 * build) into the temp folder, once per content of `lib/` and the build
 * configuration, so every suite of a run, and the next run when nothing
 * changed, installs the same tarball without building again.
 */
export async function packedTarball(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of inputs()) hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file));
  const dir = join(tmpdir(), 'nest-sessions-pack', hash.digest('hex').slice(0, 16));
  const tarball = join(dir, 'nest-sessions.tgz');
  if (existsSync(tarball)) return tarball;
  const staging = `${dir}.${process.pid}`;
  mkdirSync(staging, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', staging], { cwd: ROOT });
  const name = stdout.trim().split('\n').pop() ?? '';
  mkdirSync(dir, { recursive: true });
  renameSync(join(staging, name), tarball);
  rmSync(staging, { recursive: true, force: true });
  return tarball;
}
