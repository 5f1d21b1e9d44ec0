import { describe, expect, it } from '@jest/globals';
import { readCookie } from './cookie-codec.js';

describe('readCookie', () => {
  it('reads a plain value, the first of duplicates, and ignores other cookies', () => {
    expect(readCookie('a=1; sid=tok.sig; b=2', 'sid')).toBe('tok.sig');
    expect(readCookie('sid=first; sid=second', 'sid')).toBe('first');
    expect(readCookie('other=1', 'sid')).toBeUndefined();
    expect(readCookie(undefined, 'sid')).toBeUndefined();
  });

  it('reads a value in double quotes (RFC 6265 cookie-value) without the quotes', () => {
    expect(readCookie('sid="tok.sig"', 'sid')).toBe('tok.sig');
    expect(readCookie('x=1; sid="tok.sig"; y=2', 'sid')).toBe('tok.sig');
    // An unbalanced quote is not a quoted value: kept as is (and later fails verification).
    expect(readCookie('sid="tok.sig', 'sid')).toBe('"tok.sig');
    expect(readCookie('sid=""', 'sid')).toBe('');
  });

  it('counts an oversized value as absent, quoted or not', () => {
    const long = 'a'.repeat(300);
    expect(readCookie(`sid=${long}`, 'sid')).toBeUndefined();
    expect(readCookie(`sid="${long}"`, 'sid')).toBeUndefined();
  });
});
