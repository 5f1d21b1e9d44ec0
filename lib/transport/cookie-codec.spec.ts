import { describe, expect, it } from '@jest/globals';
import { serialize } from 'cookie';
import { resolveSessionOptions } from '../session.options-resolver.js';
import type { SessionModuleOptions } from '../session.options.js';
import { FOREVER_SECONDS, readCookie, sessionCookie } from './cookie-codec.js';

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

describe('sessionCookie', () => {
  const cookies: SessionModuleOptions['cookie'][] = [
    {},
    { path: '/app', domain: 'example.com', sameSite: 'strict', priority: 'high', partitioned: true, secure: true },
    { httpOnly: false, sameSite: 'none', secure: 'auto' },
    { sameSite: false, path: '/' },
  ];

  it('writes what cookie.serialize writes for the same attributes, secure or not', () => {
    for (const cookie of cookies) {
      const options = resolveSessionOptions({ secret: 'x'.repeat(32), cookie, name: 'app.sid' });
      for (const secure of [false, true]) {
        for (const ttl of [0, 1, 1_500, 86_400_000]) {
          const seconds = ttl === 0 ? FOREVER_SECONDS : Math.max(1, Math.floor(ttl / 1000));
          const before = Date.now();
          const written = sessionCookie(options, 'abc_DEF-123.mac_xyz-0', ttl, secure);
          const expected = (at: number) =>
            serialize('app.sid', 'abc_DEF-123.mac_xyz-0', {
              path: options.cookie.path,
              domain: options.cookie.domain,
              httpOnly: options.cookie.httpOnly,
              secure,
              sameSite: options.cookie.sameSite,
              partitioned: options.cookie.partitioned,
              priority: options.cookie.priority,
              maxAge: seconds,
              expires: new Date(at + seconds * 1000),
            });
          // The clock may tick between the two calls: either second is the same cookie.
          expect([expected(before), expected(Date.now())]).toContain(written);
        }
      }
    }
  });

  it('serialises (and encodes) a token that is not base64url and a dot, as cookie.serialize does', () => {
    const options = resolveSessionOptions({ secret: 'x'.repeat(32) });
    expect(sessionCookie(options, 'a b', 1_000, false)).toMatch(/^sid=a%20b; Max-Age=1; Path=\//);
  });
});
