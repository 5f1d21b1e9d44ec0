import { SessionDataException } from '../session.exceptions.js';
import { controlsOf, internalsOf, RESERVED_SESSION_KEYS, type Session, type SessionControls } from '../session.js';
import type { SessionData, SessionMeta } from '../stores/session-record.js';
import type { RequestState } from './request-state.js';

/** @internal Everything the module knows about one Session object (kept in its private slot). */
export interface Internals {
  secretId: string;
  id: string;
  isNew: boolean;
  meta: SessionMeta;
  /**
   * What "changed" is measured against, as of the last load or save: the JSON
   * of each top-level key (`snapshot`), and/or the JSON of the whole data
   * (`baseline`). A load keeps only the baseline, one string: a request that
   * changes nothing is told by one comparison, and the per-key snapshot is
   * derived from the baseline only when something did change.
   */
  snapshot: Map<string, string> | undefined;
  baseline: string | undefined;
  /** The request this session belongs to; none for token-level sessions. */
  request: RequestState | undefined;
  /** The client's cookie must be cleared unless a new token is sent. */
  clearCookie: boolean;
  /** The token must be re-sent even without a write (re-signing under the newest secret). */
  resend: boolean;
  /** The record vanished (logout elsewhere): never write it back. */
  gone: boolean;
  /** The session was given its own lifetime (`session.cookie.maxAge = …`) since the last write. */
  lifetimeChanged: boolean;
  /** Operations on one session run one after another. */
  queue: Promise<unknown>;
  /** Operations queued or running. */
  busy: number;
}

/** The internals of a session built for `owner` (one SessionModule); throws for anybody else's. */
export function internalsFor(session: Session, owner: SessionControls): Internals {
  const i = controlsOf(session) === owner ? (internalsOf(session) as Internals | undefined) : undefined;
  if (!i) throw new Error('This Session does not belong to this SessionModule');
  return i;
}

/** The data keys of a session: its own enumerable properties. */
export function dataOf(session: Session): SessionData {
  return { ...session };
}

/**
 * Drop keys a session cannot hold (methods, accessors, prototype keys). Data
 * without any is returned as it is: callers only copy its keys onto a session.
 */
export function cleanData(data: SessionData): SessionData {
  const keys = Object.keys(data);
  if (!keys.some((key) => RESERVED_SESSION_KEYS.has(key))) return data;
  const out: SessionData = {};
  for (const key of keys) {
    if (!RESERVED_SESSION_KEYS.has(key)) out[key] = data[key];
  }
  return out;
}

export function replaceData(session: Session, data: SessionData): void {
  for (const key of Object.keys(session)) delete session[key];
  Object.assign(session, data);
}

/** Copy user data onto a session, refusing reserved keys with a clear error. */
export function assignData(session: Session, data: SessionData): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new SessionDataException('data must be a plain object');
  }
  for (const key of Object.keys(data)) {
    if (RESERVED_SESSION_KEYS.has(key)) throw new SessionDataException(`key "${key}" is reserved`);
    session[key] = data[key];
  }
}
