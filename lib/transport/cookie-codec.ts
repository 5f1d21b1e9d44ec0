import { parse, serialize, type SerializeOptions } from 'cookie';
import type { ResolvedSessionOptions } from '../session.options.js';

/** Longest cookie value worth parsing and verifying; anything longer is not ours. */
const MAX_COOKIE_VALUE = 256;
/** Browsers cap cookie lifetime at 400 days; used when `maxAge` is 0 (never expires). */
export const FOREVER_SECONDS = 400 * 24 * 60 * 60;

/**
 * Our cookie's value from a Cookie header. When the name appears more than
 * once, the first occurrence wins (browsers send the most specific path
 * first); the rest are ignored. A value in double quotes (`sid="<token>"`,
 * allowed by RFC 6265) is read without them. Undecodable values count as absent.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || !header.includes(name)) return undefined;
  let value = parse(header)[name];
  if (value !== undefined && value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    value = value.slice(1, -1);
  }
  return value !== undefined && value.length <= MAX_COOKIE_VALUE ? value : undefined;
}

function attributes(options: ResolvedSessionOptions, secure: boolean): SerializeOptions {
  const c = options.cookie;
  return {
    path: c.path,
    domain: c.domain,
    httpOnly: c.httpOnly,
    secure,
    sameSite: c.sameSite,
    partitioned: c.partitioned,
    priority: c.priority,
  };
}

/** A token as the module signs it: base64url and a dot, which `serialize` would leave as it is. */
const PLAIN_TOKEN = /^[A-Za-z0-9_.-]+$/;

/**
 * The attributes of our cookie around Max-Age and Expires, as `serialize`
 * writes (and validates) them: `; Domain=…; Path=…` before Expires, and
 * `; HttpOnly; Secure; …; SameSite=…` after it, for insecure and secure.
 * They only change with the options, so they are serialised once, not
 * on every write.
 */
interface CookieParts {
  middle: string;
  tail: [insecure: string, secure: string];
}
const partsByOptions = new WeakMap<ResolvedSessionOptions, CookieParts>();

function partsOf(options: ResolvedSessionOptions): CookieParts {
  let parts = partsByOptions.get(options);
  if (!parts) {
    const after = (secure: boolean): string => {
      const { path: _path, domain: _domain, ...rest } = attributes(options, secure);
      return serialize(options.name, '', rest).slice(options.name.length + 1);
    };
    const c = options.cookie;
    const middle = serialize(options.name, '', { path: c.path, domain: c.domain }).slice(options.name.length + 1);
    parts = { middle, tail: [after(false), after(true)] };
    partsByOptions.set(options, parts);
  }
  return parts;
}

/** `Date#toUTCString` of the last expiry asked for: it only changes once a second. */
let lastExpires = { second: -1, text: '' };

function expiresText(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastExpires.second) lastExpires = { second, text: new Date(ms).toUTCString() };
  return lastExpires.text;
}

/** A Set-Cookie value carrying the token for `ttlMs` (0 = as long as browsers allow). */
export function sessionCookie(options: ResolvedSessionOptions, token: string, ttlMs: number, secure: boolean): string {
  const seconds = ttlMs === 0 ? FOREVER_SECONDS : Math.max(1, Math.floor(ttlMs / 1000));
  const expiresAt = Date.now() + seconds * 1000;
  if (!PLAIN_TOKEN.test(token)) {
    return serialize(options.name, token, {
      ...attributes(options, secure),
      maxAge: seconds,
      expires: new Date(expiresAt),
    });
  }
  // What `serialize` writes, in its order, from the parts it wrote once.
  const { middle, tail } = partsOf(options);
  return `${options.name}=${token}; Max-Age=${seconds}${middle}; Expires=${expiresText(expiresAt)}${tail[secure ? 1 : 0]}`;
}

/** A Set-Cookie value that removes the cookie: same name, Path and Domain, expired. */
export function clearingCookie(options: ResolvedSessionOptions, secure: boolean): string {
  return serialize(options.name, '', { ...attributes(options, secure), maxAge: 0, expires: new Date(0) });
}
