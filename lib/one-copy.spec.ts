import { readFileSync } from 'node:fs';
import * as root from './index.js';
import { firstLoadedCopy, RELEASE_LINE } from './one-copy.js';
import * as own from './public-api.js';

describe('one copy per process', () => {
  it('keys the registry by the release line of package.json (0.x: major.minor; else the major)', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const [major, minor] = version.split('.');
    expect(RELEASE_LINE).toBe(major === '0' ? `0.${minor}` : major);
  });

  it('the package root exports every value of the public API, and the first loaded copy of each', () => {
    const values = Object.keys(own).sort();
    expect(Object.keys(root).sort()).toEqual(values);
    for (const name of values) expect(root[name as keyof typeof root]).toBe(own[name as keyof typeof own]);
  });

  it('a copy that loads second gets the first copy values, not its own', () => {
    const second = { ...own };
    expect(firstLoadedCopy(second)).toBe(firstLoadedCopy(own));
    expect(firstLoadedCopy(second)).not.toBe(second);
  });
});
