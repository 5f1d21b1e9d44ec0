import { describe, expect, it } from '@jest/globals';
import { pathMatches } from './cookie-path.js';

describe('pathMatches (#20 cookie path boundary)', () => {
  it.each([
    ['/app', '/app', true],
    ['/app/', '/app', true],
    ['/app/x/y', '/app', true],
    ['/application', '/app', false],
    ['/ap', '/app', false],
    ['/app?x=/app', '/app', true],
    ['/other?next=/app', '/app', false],
    ['/app/x', '/app/', true],
    ['/anything', '/', true],
  ])('%s in %s → %s', (url, cookiePath, expected) => {
    expect(pathMatches(url, cookiePath)).toBe(expected);
  });
});
