import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestState } from './request-state.js';

/**
 * The request being handled, for SessionService calls made without a session
 * argument. The interceptor subscribes to the handler inside `run`, so the
 * handler and everything it awaits see the request's state.
 */
const current = new AsyncLocalStorage<RequestState>();

/** Run `fn` (which subscribes to the handler) with `state` as the current request. */
export function runInRequest<T>(state: RequestState, fn: () => T): T {
  return current.run(state, fn);
}

export function currentRequest(): RequestState | undefined {
  return current.getStore();
}
