import type { Session } from '../session.js';
import type { RequestState } from './request-state.js';

interface Exposed {
  session?: unknown;
  sessionID?: string;
}

/**
 * `req.session`, and `req.sessionID` as express-session has it: the public id
 * (never the token). Plain properties, as express-session's are: an accessor
 * defined on every request costs V8 a dictionary-mode request object (several
 * µs a request), so `syncExposedId` brings the id up to date when it changes.
 */
export function exposeOn(request: object, session: Session): void {
  (request as Exposed).session = session;
  (request as Exposed).sessionID = session.id;
}

/** After `regenerate()`, a logout or a fresh id: `req.sessionID` follows, on every request object holding this session. */
export function syncExposedId(state: RequestState | undefined): void {
  const session = state?.session;
  if (!session) return;
  const { request, raw } = state.exchange;
  for (const target of [request, raw] as Exposed[]) {
    if (target.session === session) target.sessionID = session.id;
  }
}
