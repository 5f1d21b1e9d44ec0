import { randomBytes } from 'node:crypto';
import { safeEqual } from './safe-equal.js';
import type { AppSession } from './session-data.js';

/** The form field that carries the token. */
export const CSRF_FIELD = '_csrf';

/**
 * The session's CSRF token, created on first use (32 random bytes,
 * base64url). Every form of the sample posts it back in `_csrf`; a cross-site
 * page cannot read it, so it cannot forge a form post that passes the check.
 */
export function csrfTokenOf(session: AppSession): string {
  if (typeof session.csrf !== 'string') session.csrf = randomBytes(32).toString('base64url');
  return session.csrf;
}

/** Whether `presented` is this session's token (compared in constant time). */
export function csrfMatches(session: AppSession, presented: unknown): boolean {
  const expected = session.csrf;
  return typeof expected === 'string' && typeof presented === 'string' && safeEqual(presented, expected);
}
