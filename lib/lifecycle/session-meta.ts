import type { ResolvedSessionOptions } from '../session.options.js';
import type { SessionData, SessionMeta } from '../stores/session-record.js';

/** Meta of a session created now. */
export function newMeta(
  now: number,
  maxAge: number,
  absoluteMaxAge: number,
  extra: Pick<SessionMeta, 'userAgent' | 'fingerprint'> = {},
): SessionMeta {
  return {
    createdAt: now,
    lastActiveAt: now,
    idleExpiresAt: maxAge > 0 ? now + maxAge : 0,
    absoluteExpiresAt: absoluteMaxAge > 0 ? now + absoluteMaxAge : 0,
    maxAge,
    ...(extra.userAgent !== undefined && { userAgent: extra.userAgent }),
    ...(extra.fingerprint !== undefined && { fingerprint: extra.fingerprint }),
  };
}

/**
 * The hard deadline in force: the one stored, or — when `absoluteMaxAge` was
 * configured after the session was created — counted from its creation.
 */
export function absoluteDeadline(meta: SessionMeta, options: ResolvedSessionOptions): number {
  if (meta.absoluteExpiresAt > 0) return meta.absoluteExpiresAt;
  return options.absoluteMaxAge > 0 ? meta.createdAt + options.absoluteMaxAge : 0;
}

/** Expired by idle or absolute timeout, judged from the stored timestamps, never from the store's TTL. */
export function isExpired(meta: SessionMeta, options: ResolvedSessionOptions, now: number): boolean {
  const absolute = absoluteDeadline(meta, options);
  return (meta.idleExpiresAt > 0 && now >= meta.idleExpiresAt) || (absolute > 0 && now >= absolute);
}

/** Meta after activity now: idle deadline pushed out, never past the absolute one. */
export function extendMeta(meta: SessionMeta, options: ResolvedSessionOptions, now: number): SessionMeta {
  const absolute = absoluteDeadline(meta, options);
  let idle = meta.maxAge > 0 ? now + meta.maxAge : 0;
  if (absolute > 0 && idle > absolute) idle = absolute;
  return { ...meta, lastActiveAt: now, idleExpiresAt: idle, absoluteExpiresAt: absolute };
}

/**
 * Milliseconds the store should keep the record: 0 = no expiry, and a
 * negative number when the session is already past a deadline (delete it
 * instead of writing: Redis refuses a zero TTL).
 */
export function ttlOf(meta: SessionMeta, now: number): number {
  const deadlines = [meta.idleExpiresAt, meta.absoluteExpiresAt].filter((d) => d > 0);
  if (deadlines.length === 0) return 0;
  const ttl = Math.min(...deadlines) - now;
  return ttl > 0 ? ttl : -1;
}

/** Meta with `owner` taken from the data's owner key (strings and numbers only). */
export function withOwner(meta: SessionMeta, data: SessionData, ownerKey: string): SessionMeta {
  const value = data[ownerKey];
  const owner = typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
  if (owner === meta.owner) return meta;
  const next = { ...meta };
  if (owner === undefined) delete next.owner;
  else next.owner = owner;
  return next;
}
