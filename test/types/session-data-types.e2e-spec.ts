import { beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * Type tests of `SessionData` (test/types/<case>/, each compiled as a program
 * of its own, as an app's tsc would): `declared` augments
 * `declare module 'nest-sessions' { interface SessionData {…} }` and checks
 * that sessions, `@Session(key)` and the token-level API are typed by it;
 * `undeclared` checks that any key goes when nothing is declared. Every
 * `@ts-expect-error` must be an error, or tsc fails ("unused directive").
 * Each case is compiled against the sources (lib/index.ts, the registry
 * root) and against the declarations the build publishes (`stripInternal`),
 * those with `skipLibCheck: false`, so a published `.d.ts` that refers to a
 * stripped `@internal` name fails here.
 */

const root = process.cwd();
const work = join(root, 'test-output', 'types');
const dts = join(work, 'dts');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function compile(name: string, files: string[], entry: string): { status: number | null; output: string } {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const config = {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      noEmit: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      allowImportingTsExtensions: true,
      // The published declarations are checked too; the sources are checked by the project's own tsc.
      skipLibCheck: !entry.endsWith('.d.ts'),
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      paths: { 'nest-sessions': [entry] },
    },
    files: files.map((file) => join(root, 'test', 'types', file)),
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const run = spawnSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** The declaration files reachable from `entry` through relative imports and re-exports. */
function reachable(entry: string): string[] {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)\.js'/g)) {
      visit(resolve(dirname(file), `${spec}.d.ts`));
    }
  };
  visit(entry);
  return [...seen];
}

const sources = join(root, 'lib', 'index.ts');
const built = join(dts, 'index.d.ts');
const CASES = {
  declared: ['declared/session-data.d.ts', 'declared/declared-keys.ts'],
  undeclared: ['undeclared/any-keys.ts'],
};

describe('SessionData types', () => {
  beforeAll(() => {
    rmSync(dts, { recursive: true, force: true });
    const build = spawnSync(
      process.execPath,
      [tsc, '-p', join(root, 'tsconfig.build.json'), '--emitDeclarationOnly', '--outDir', dts],
      { encoding: 'utf8' },
    );
    expect(`${build.stdout}${build.stderr}`).toBe('');
  }, 120_000);

  describe.each([
    ['the sources', sources],
    ['the published declarations', built],
  ])('against %s', (label, entry) => {
    it.each(Object.entries(CASES))(
      '%s: compiles, every @ts-expect-error is an error',
      (name, files) => {
        const result = compile(`${name}-${label === 'the sources' ? 'src' : 'dts'}`, files, entry);
        expect(result.output).toBe('');
        expect(result.status).toBe(0);
      },
      60_000,
    );
  });

  it('without the augmentation, the declared case fails: the merge is what types it', () => {
    const result = compile('declared-without-augmentation', ['declared/declared-keys.ts'], sources);
    expect(result.status).not.toBe(0);
    expect(result.output).toContain("Unused '@ts-expect-error' directive");
  }, 60_000);

  it('@internal names are not in the published declarations a user reaches', () => {
    const all = reachable(built)
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');
    for (const name of [
      'SessionControls',
      'internalsOf',
      'SessionHttpHooks',
      'class SessionPipe',
      'ResolvedSessionOptions',
    ]) {
      expect(all).not.toContain(name);
    }
    // The runtime's class of sessions is not published: users hold the `Session` type.
    expect(all).not.toMatch(/export declare class Session /);
  });
});
