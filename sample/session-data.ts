import type { Session } from '../lib/index.js';
import type { Flash } from './flash.js';

/**
 * What the sample keeps in a session, declared once so every read is typed.
 * An app declares this by augmenting the module:
 *
 *   declare module 'nest-sessions' {
 *     interface SessionData { userId?: string; visits?: number; csrf?: string; flash?: Flash }
 *   }
 *
 * The sample cannot: it shares one TypeScript program with the library's own
 * tests, whose sessions hold other keys. So it names the same shape here and
 * narrows `Session` with it, which types the same reads.
 */
export interface SampleData {
  /** The logged-in user (the module's `ownerKey`). */
  userId?: string;
  /** Page views of this session. */
  visits?: number;
  /** The CSRF token of the session's forms. */
  csrf?: string;
  /** A message for the next page (Post/Redirect/Get). */
  flash?: Flash;
}

/** The sample's sessions: `@Session() session: AppSession`. */
export type AppSession = Session & SampleData;
