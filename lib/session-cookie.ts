import type { SessionCookieOptions } from './session.options.js';

/**
 * The cookie as it applies to this session: the effective options and its
 * expiry. `maxAge` and `expires` are assignable and give this session its own
 * idle lifetime ("remember me"), honoured by the cookie's Max-Age, the store's
 * TTL, later touches and `rolling`, kept across `regenerate`, capped by
 * `absoluteMaxAge`, and stored with the session so later requests keep it.
 */
export interface SessionCookie extends Readonly<
  Required<Pick<SessionCookieOptions, 'path' | 'httpOnly' | 'sameSite'>>
> {
  readonly domain: string | undefined;
  /** Whether the cookie is sent with the Secure attribute on this request. */
  readonly secure: boolean;
  /**
   * When the session idles out, or null when it never does. Assign a future
   * Date to set its lifetime to the time until then.
   */
  expires: Date | null;
  /**
   * Milliseconds until `expires`, or null when it never expires. Assign a
   * whole number of ms ≥ 0 to give this session that idle lifetime from now
   * on (0 = never idles out, as the module's `maxAge: 0`).
   */
  maxAge: number | null;
  /** This session's idle lifetime in ms (what `maxAge` was last set to), or null when it never idles out. */
  readonly originalMaxAge: number | null;
}

/** What a session's cookie reads from and writes to (the session runtime). */
export interface CookieSource {
  /** The effective options and deadlines now. */
  snapshot(): Omit<SessionCookie, 'maxAge'>;
  /** Give the session this idle lifetime from now on (validated). */
  setLifetime(maxAge: number): void;
}

/** A whole number of ms ≥ 0, or a clear error naming the setting. */
export function checkLifetime(value: unknown, setting: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${setting} must be a whole number of milliseconds >= 0 (got ${describe(value)})`);
  }
  return value;
}

/** The lifetime from now to a future Date, or a clear error. */
export function lifetimeUntil(value: unknown, setting: string, now: number): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new TypeError(
      `${setting} must be a valid Date (got ${describe(value)}); ` +
        'sessions always expire on the server: use maxAge 0 for one that never idles out',
    );
  }
  const ms = value.getTime() - now;
  if (ms <= 0) throw new TypeError(`${setting} must be in the future (got ${value.toISOString()})`);
  return ms;
}

function describe(value: unknown): string {
  return typeof value === 'number' || value === null || value === undefined ? String(value) : typeof value;
}

/**
 * A live cookie object: reads are current, assignments to `maxAge`/`expires`
 * change the session's lifetime. Frozen, so assigning another attribute
 * throws (in strict code) instead of being silently ignored.
 */
export function liveCookie(source: CookieSource): SessionCookie {
  const now = source.snapshot();
  return Object.freeze({
    path: now.path,
    domain: now.domain,
    httpOnly: now.httpOnly,
    sameSite: now.sameSite,
    secure: now.secure,
    get expires(): Date | null {
      return source.snapshot().expires;
    },
    set expires(value: Date | null) {
      source.setLifetime(lifetimeUntil(value, 'session.cookie.expires', Date.now()));
    },
    get maxAge(): number | null {
      const expires = source.snapshot().expires;
      return expires ? Math.max(0, expires.getTime() - Date.now()) : null;
    },
    set maxAge(value: number | null) {
      source.setLifetime(checkLifetime(value, 'session.cookie.maxAge'));
    },
    get originalMaxAge(): number | null {
      return source.snapshot().originalMaxAge;
    },
  });
}

/** The keys `session.cookie = {…}` may carry beside `maxAge`/`expires`, when they equal the effective ones. */
const READ_ONLY = ['path', 'domain', 'httpOnly', 'sameSite', 'secure'] as const;

/**
 * `session.cookie = { maxAge }` (or `{ expires }`, or a spread of the current
 * cookie with either changed): the lifetime is taken; other attributes are
 * the module's (`forRoot({ cookie })`) and may only be repeated unchanged.
 */
export function assignCookie(source: CookieSource, value: unknown): void {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError('session.cookie must be given an object such as { maxAge }');
  }
  const given = value as Partial<Record<keyof SessionCookie, unknown>>;
  const current = source.snapshot();
  for (const key of READ_ONLY) {
    if (key in given && given[key] !== current[key]) {
      throw new TypeError(
        `session.cookie.${key} cannot be set per session; configure it in SessionModule.forRoot({ cookie })`,
      );
    }
  }
  if (given.maxAge !== undefined && given.maxAge !== null) {
    source.setLifetime(checkLifetime(given.maxAge, 'session.cookie.maxAge'));
  } else if (given.expires !== undefined && given.expires !== null) {
    source.setLifetime(lifetimeUntil(given.expires, 'session.cookie.expires', Date.now()));
  } else if (given.maxAge === null || given.expires === null) {
    checkLifetime(null, 'session.cookie.maxAge');
  }
}
