import { describe, expect, it } from '@jest/globals';
import { resolveSessionOptions } from './session.options-resolver.js';
import type { SessionModuleOptions } from './session.options.js';

const secret = 'x'.repeat(32);

function fails(options: object, pattern: RegExp): void {
  expect(() => resolveSessionOptions(options as SessionModuleOptions)).toThrow(pattern);
}

describe('resolveSessionOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveSessionOptions({ secret });
    expect(o).toMatchObject({
      secrets: [secret],
      name: 'sid',
      cookieTransport: true,
      headerTransport: false,
      headerName: 'x-session-token',
      maxAge: 86_400_000,
      touchAfter: 8_640_000,
      rolling: false,
      saveUninitialized: false,
      maxBytes: 65_536,
      ownerKey: 'userId',
      storeTimeout: 2_000,
      cookie: { path: '/', domain: undefined, httpOnly: true, secure: false, sameSite: 'lax' },
    });
  });

  it.each([
    [{}, /option "secret" is required/],
    [{ secret: '' }, /option "secret" must be a string of at least 32/],
    [{ secret: 'short' }, /option "secret" must be a string of at least 32/],
    [{ secret: [] }, /option "secret" is required/],
    [{ secret: [secret, 'short'] }, /option "secret" entry 1 must be/],
    [{ secret, maxAge: -1 }, /option "maxAge" must be a whole number/],
    [{ secret, maxAge: 1.5 }, /option "maxAge"/],
    [{ secret, transport: 'query' }, /option "transport" must be 'cookie', 'header' or both/],
    [{ secret, transport: [] }, /option "transport"/],
    [{ secret, name: 'sid;x' }, /option "name"/],
    [{ secret, name: 'a b' }, /option "name"/],
    [{ secret, cookie: { path: '/a;b' } }, /option "cookie.path"/],
    [{ secret, cookie: { path: '/a\r\nb' } }, /option "cookie.path"/],
    [{ secret, cookie: { domain: 'a.com; Secure' } }, /option "cookie.domain"/],
    [{ secret, cookie: { sameSite: 'none' } }, /option "cookie.sameSite"/],
    [
      { secret, name: '__Host-sid', cookie: { secure: true, domain: 'example.com' } },
      /option "cookie.domain" must be unset/,
    ],
    [{ secret, name: '__Host-sid', cookie: { secure: true, path: '/app' } }, /option "cookie.path" must be '\/'/],
    [{ secret, name: '__Host-sid', cookie: { secure: false } }, /option "cookie.secure" must be true/],
    [{ secret, name: '__Secure-sid' }, /option "cookie.secure" must be true/],
    [{ secret, cookie: { expires: 1 } }, /option "cookie.expires" is not a known cookie option/],
    [{ secret, maxage: 5 }, /option "maxage" is not a known option/],
    [{ secret, storeTimeout: 0 }, /option "storeTimeout"/],
    [{ secret, maxBytes: 0 }, /option "maxBytes"/],
    [{ secret, genid: 'x' }, /option "genid"/],
    [{ secret, fingerprint: 'ip' }, /option "fingerprint"/],
    [{ secret, ownerKey: '' }, /option "ownerKey"/],
    [{ secret, logger: 'console' }, /option "logger"/],
    [{ secret, rolling: 'yes' }, /option "rolling"/],
  ])('#3 #9 #16 refuses %j', (options, pattern) => fails(options, pattern));

  it('accepts a valid __Host- setup and a secret list', () => {
    const o = resolveSessionOptions({ secret: [secret, 'y'.repeat(40)], name: '__Host-sid', cookie: { secure: true } });
    expect(o.secrets).toHaveLength(2);
    expect(o.name).toBe('__Host-sid');
  });

  it('derives touchAfter from maxAge and accepts maxAge 0', () => {
    expect(resolveSessionOptions({ secret, maxAge: 10_000 }).touchAfter).toBe(1_000);
    expect(resolveSessionOptions({ secret, maxAge: 0 }).maxAge).toBe(0);
  });
});
