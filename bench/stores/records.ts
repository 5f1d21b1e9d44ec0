import { createHash } from 'node:crypto';
import { PROFILE } from '../http/payload.js';
import type { SessionMeta, SessionPatch, SessionRecord } from '../../lib/index.js';

export const TTL_MS = 86_400_000;
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

/** A public session id as the module makes them: SHA-256, base64url (43 characters). */
export function sessionId(i: number): string {
  return createHash('sha256').update(`bench-session-${i}`).digest('base64url');
}

function meta(i: number, now = Date.now()): SessionMeta {
  return {
    createdAt: now,
    lastActiveAt: now,
    idleExpiresAt: now + TTL_MS,
    absoluteExpiresAt: 0,
    maxAge: TTL_MS,
    owner: `user-${i}`,
    userAgent: USER_AGENT,
  };
}

/** A logged-in session as the module stores it: user id (the owner) and ~200 bytes of profile. */
export function sessionRecord(i: number): SessionRecord {
  return { v: 1, meta: meta(i), data: { userId: `user-${i}`, profile: PROFILE } };
}

/** What one /write request changes. */
export function counterPatch(i: number, counter: number): SessionPatch {
  return { set: { counter }, unset: [], meta: meta(i) };
}

/** The same session as express-session keeps it (cookie object beside the data). */
export function expressSession(i: number): Record<string, unknown> {
  return {
    cookie: {
      originalMaxAge: TTL_MS,
      expires: new Date(Date.now() + TTL_MS).toISOString(),
      httpOnly: true,
      path: '/',
      sameSite: 'lax',
    },
    userId: `user-${i}`,
    profile: PROFILE,
  };
}
