import type { HttpExchange } from '../transport/exchange.js';
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
  /** Hydration, shared by the pipe, guards, middleware and SessionService. */
  loading: Promise<Session> | undefined;
  session: Session | undefined;
  /** The commit before the response has started (or is done): the response hooks pass everything on. */
  committed: boolean;
  /** The adapter's reply waits for the commit: a send meanwhile is Fastify's own, for the resolved route. */
  replying: boolean;
  /** The response's end is held for the commit (see commit-hooks.ts). */
  held: boolean;
  /** Fastify's `reply.send` is held for the commit. */
  replyHeld?: boolean;
  /** The Set-Cookie this module put on the response, the one a later one replaces. */
  sentCookie?: string;
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
