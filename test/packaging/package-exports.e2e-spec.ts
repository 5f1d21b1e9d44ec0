import { execFile } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packedTarball } from '../support/packed-tarball.js';

const run = promisify(execFile);
const BIN = join(process.cwd(), 'node_modules', '.bin');

/**
 * The tarball users install, checked as they would load it. It is unpacked
 * into `node_modules/.cache/` under the project, so its own `require` and
 * `import` of @nestjs/*, cookie and lru-cache find the project's copies, as
 * they would find the app's.
 */
let tarball: string;
let project: string;

async function node(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: project });
  return stdout.trim();
}

beforeAll(async () => {
  tarball = await packedTarball();
  project = join(process.cwd(), 'node_modules', '.cache', `package-exports-${process.pid}`);
  const installed = join(project, 'node_modules', 'nest-sessions');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
}, 180_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

describe('the packed package', () => {
  it('has no type-resolution problem under node10, node16 (CJS and ESM) and bundler (@arethetypeswrong/cli)', async () => {
    const { stdout } = await run(join(BIN, 'attw'), [tarball, '--format', 'ascii']);
    expect(stdout).toContain('No problems found');
  }, 60_000);

  it('passes publint in strict mode (warnings fail)', async () => {
    const { stdout } = await run(join(BIN, 'publint'), [tarball, '--strict']);
    expect(stdout).not.toMatch(/Errors:|Warnings:/);
  }, 60_000);

  it('loads with require() and with import, with the same public names', async () => {
    const required = await node(['-e', "console.log(Object.keys(require('nest-sessions')).sort().join())"]);
    const imported = await node([
      '--input-type=module',
      '-e',
      "const m = await import('nest-sessions'); console.log(Object.keys(m).sort().join())",
    ]);
    expect(required.split(',')).toEqual(expect.arrayContaining(['SessionModule', 'SessionService', 'MemoryStore']));
    expect(imported).toBe(required);
  });

  it('hands out one set of classes when a process loads both builds, whichever loads first', async () => {
    const check = (first: 'require' | 'import') => `
      import { createRequire } from 'node:module';
      const load = { require: () => createRequire(process.cwd() + '/')('nest-sessions'), import: () => import('nest-sessions') };
      const a = await load['${first}']();
      const b = await load['${first === 'require' ? 'import' : 'require'}']();
      const store = new a.MemoryStore();
      console.log(JSON.stringify({
        sameClasses: ['SessionModule', 'SessionService', 'SessionStore', 'MemoryStore', 'Session'].every((n) => a[n] === b[n]),
        storeAccepted: store instanceof b.SessionStore,
        moduleBuilt: typeof b.SessionModule.forRoot({ secret: 'x'.repeat(32), store }).module === 'function',
      }));
      store.close?.();`;
    for (const first of ['require', 'import'] as const) {
      const result = JSON.parse(await node(['--input-type=module', '-e', check(first)])) as Record<string, boolean>;
      expect(result).toEqual({ sameClasses: true, storeAccepted: true, moduleBuilt: true });
    }
  });

  it('ships both builds with their declarations, and no test, sample or source file', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toEqual(
      expect.arrayContaining([
        'package/dist/cjs/index.js',
        'package/dist/cjs/index.d.ts',
        'package/dist/cjs/package.json',
        'package/dist/esm/index.js',
        'package/dist/esm/index.d.ts',
      ]),
    );
    expect(files.filter((f) => /\.spec\.|\/test\/|\/sample\/|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('declares no type that imports ioredis (it is an optional peer)', async () => {
    const pattern = String.raw`(from|import\() *['"]ioredis['"]`;
    const dist = join(project, 'node_modules', 'nest-sessions', 'dist');
    const { stdout } = await run('grep', ['-rlE', pattern, '--include=*.d.ts', dist]).catch(
      (error: { stdout: string; code: number }) => (error.code === 1 ? { stdout: '' } : Promise.reject(error)),
    );
    expect(stdout).toBe('');
  });
});
