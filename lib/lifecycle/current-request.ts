import { AsyncLocalStorage } from 'node:async_hooks';
import { Observable } from 'rxjs';
import type { RequestState } from './request-state.js';

/**
 * The request being handled, for SessionService calls made without a session
 * argument. The interceptor subscribes to the handler inside `run`, so the
 * handler and everything it awaits see the request's state.
 */
const current = new AsyncLocalStorage<RequestState>();

export function runInRequest<T>(state: RequestState, source: () => Observable<T>): Observable<T> {
  return new Observable<T>((subscriber) => current.run(state, () => source().subscribe(subscriber)));
}

export function currentRequest(): RequestState | undefined {
  return current.getStore();
}
