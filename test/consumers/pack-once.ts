import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectSuccess, runCommand } from './run-command.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cacheRoot = join(tmpdir(), 'nest-sessions-pack');

/** What `npm pack` builds the tarball from (`prepack` runs the build): a change here means a new tarball. */
const BUILD_INPUTS = ['lib', 'package.json', /^tsconfig.*\.json$/];

/**
 * The `npm pack` tarball of this checkout, packed at most once per change of
 * the sources: it is cached in the OS temp dir under a hash of the build
 * inputs, so repeated runs (and every consumer fixture) share one pack.
 * Only the newest tarball is kept.
 */
export async function packOnce(): Promise<string> {
  const hash = await hashBuildInputs();
  const dir = join(cacheRoot, hash);
  const tarball = join(dir, 'nest-sessions.tgz');
  if (existsSync(tarball)) return tarball;

  await mkdir(cacheRoot, { recursive: true });
  const staging = await mkdtemp(join(cacheRoot, 'staging-'));
  try {
    const packed = await runCommand('npm', ['pack', '--json', '--pack-destination', staging], {
      cwd: root,
      timeoutMs: 120_000,
      env: process.env,
    });
    expectSuccess('npm pack', packed);
    const [{ filename }] = JSON.parse(packed.output.slice(packed.output.indexOf('['))) as [{ filename: string }];
    await pruneOtherPacks();
    await mkdir(dir, { recursive: true });
    // A rename is atomic: a concurrent run sees either no tarball or a whole one.
    await rename(join(staging, filename), tarball);
    return tarball;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function hashBuildInputs(): Promise<string> {
  const hash = createHash('sha256');
  for (const file of await buildInputFiles()) {
    hash
      .update(relative(root, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

async function buildInputFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const matches = BUILD_INPUTS.some((input) =>
      typeof input === 'string' ? input === entry.name : input.test(entry.name),
    );
    if (!matches) continue;
    if (entry.isFile()) files.push(join(root, entry.name));
    else if (entry.isDirectory()) files.push(...(await filesUnder(join(root, entry.name))));
  }
  return files.sort();
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function pruneOtherPacks(): Promise<void> {
  for (const entry of await readdir(cacheRoot)) {
    if (!entry.startsWith('staging-')) await rm(join(cacheRoot, entry), { recursive: true, force: true });
  }
}
