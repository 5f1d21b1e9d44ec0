import type { HttpExchange } from '../transport/http-exchange.js';
import type { VerifiedToken } from '../transport/session-token.js';
import type { Session } from '../session.js';

/** How a verified token reached us. */
export type TokenSource = 'cookie' | 'header';

/** @internal What the module keeps per request, on the platform request under a symbol. */
export interface RequestState {
  exchange: HttpExchange;
  /** The verified token the request presented, if any. */
  token: (VerifiedToken & { via: TokenSource }) | null;
  /** The request carried our cookie (valid or not): a destroy must clear it. */
  hadCookie: boolean;
  /** Hydration, shared by the interceptor, guards and the decorator. */
  loading: Promise<Session> | undefined;
  session: Session | undefined;
  /** Committed before Nest sends the answer (by the interceptor, or just before the reply): send hooks pass. */
  committedBeforeSend: boolean;
  /** The response is held at send for a commit (`commitAtSend`). */
  sendHooked: boolean;
}

const STATE = Symbol('nest-sessions:request');

export function stateOf(request: object): RequestState | undefined {
  return (request as { [STATE]?: RequestState })[STATE];
}

export function setState(request: object, state: RequestState): void {
  // A plain assignment: defineProperty on the request is several times slower,
  // and a symbol key is invisible to for-in, Object.keys and JSON anyway.
  (request as { [STATE]?: RequestState })[STATE] = state;
}
