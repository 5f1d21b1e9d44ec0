// `npm test`: the whole suite on each supported Nest line, one jest run per
// line, then one closing line counting both: "N passed, N failed".
//
//   npm test                      the typecheck, then both lines (Nest 12, then Nest 11)
//   npm test -- test/e2e          both lines, only those paths
//   NEST_LINES=12 npm test        one line
//
// The Nest 11 line's dependencies (test/nest11) are installed here, from its
// lock file, whenever that lock file changed since the last install: a fresh
// clone needs nothing but `npm install` before `npm test`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.cwd();
const reports = join(root, 'test-output');
const args = process.argv.slice(2);
const lines = (process.env.NEST_LINES ?? '12,11').split(',').map((line) => line.trim());
const configs = { 12: 'jest.config.js', 11: 'jest.nest11.config.js' };

function installNest11() {
  const dir = join(root, 'test', 'nest11');
  const lock = readFileSync(join(dir, 'package-lock.json'));
  const stamp = join(dir, 'node_modules', '.installed-from');
  const digest = createHash('sha256').update(lock).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return true;
  console.log('[test] installing the Nest 11 line (test/nest11)');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'inherit' });
  if (npm.status !== 0) return false;
  writeFileSync(stamp, digest);
  return true;
}

function runLine(line) {
  const config = configs[line];
  if (!config) throw new Error(`NEST_LINES: unknown line "${line}" (expected 12 or 11)`);
  if (line === '11' && !installNest11()) return { passed: 0, failed: 1 };
  const report = join(reports, `jest-nest${line}.json`);
  console.log(`[test] Nest ${line}`);
  const jest = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--expose-gc',
      join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
      '--runInBand',
      '-c',
      config,
      '--json',
      `--outputFile=${report}`,
      // A path filter may match no suite of one line (the packaging checks run on Nest 12 only).
      ...(args.length > 0 ? ['--passWithNoTests'] : []),
      ...args,
    ],
    { stdio: 'inherit' },
  );
  try {
    const result = JSON.parse(readFileSync(report, 'utf8'));
    const failed = result.numFailedTests + (result.numRuntimeErrorTestSuites ?? 0);
    return { passed: result.numPassedTests, failed: failed === 0 && jest.status !== 0 ? 1 : failed };
  } catch {
    return { passed: 0, failed: 1 };
  }
}

/**
 * ts-jest only transpiles (tsconfig's isolatedModules), so the types of the
 * library, the tests, the sample and the bench are checked here, once: one
 * more passed or failed check in the closing count.
 */
function typecheck() {
  console.log('[test] typecheck (tsc --noEmit)');
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit'],
    {
      stdio: 'inherit',
    },
  );
  return tsc.status === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };
}

mkdirSync(reports, { recursive: true });
const total = { passed: 0, failed: 0 };
if (args.length === 0) {
  const { passed, failed } = typecheck();
  console.log(`[test] typecheck: ${failed === 0 ? 'passed' : 'failed'}`);
  total.passed += passed;
  total.failed += failed;
}
for (const line of lines) {
  const { passed, failed } = runLine(line);
  console.log(`[test] Nest ${line}: ${passed} passed, ${failed} failed`);
  total.passed += passed;
  total.failed += failed;
}
const summary = `${total.passed} passed, ${total.failed} failed`;
writeFileSync(join(reports, 'summary.txt'), `${summary}\n`);
console.log(summary);
process.exit(total.failed === 0 ? 0 : 1);
