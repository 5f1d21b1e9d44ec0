import { AsyncLocalStorage } from 'node:async_hooks';
import type { RequestState } from './request-state.js';

/**
 * The request or gateway message being handled: for SessionService calls
 * made without a session argument (`requestContext`), and for `@Session()`
 * in gateways (see session.decorator.ts). What is stored is the state, or
 * (when the platform hook enters the context before anything knows whether
 * the session is needed) a function that creates it on first use.
 */
type Current = RequestState | (() => RequestState);

const current = new AsyncLocalStorage<Current>();

/** Run `fn` (which leads to the handler) with `state` as the current request. */
export function runInRequest<T>(state: Current, fn: () => T): T {
  return current.run(state, fn);
}

export function currentRequest(): RequestState | undefined {
  const stored = current.getStore();
  return typeof stored === 'function' ? stored() : stored;
}
