import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Observable, type Observer, type Subscriber, type Subscription } from 'rxjs';
import { exchangeFromContext } from '../transport/context-exchange.js';
import { headersSent } from '../transport/http-exchange.js';
import { handshakeOf } from '../transport/ws-exchange.js';
import { runInRequest } from './current-request.js';
import type { RequestState } from './request-state.js';
import { SessionRuntime } from './session-runtime.js';

/**
 * The module's interceptor, for where an HTTP response cannot carry the
 * commit: applied by `@UseSession()` to gateways and `@Sse()` routes, and
 * globally with `rolling`. It does what the response hooks cannot:
 *
 * - a gateway message (`ws`) has no response: its session (from the socket's
 *   handshake) is committed after the handler, before each value it emits
 *   and when it throws, and the handler runs in the message's async context
 *   (where `@Session()` and SessionService find it);
 * - an `@Sse()` route sent its headers before the handler ran: each event
 *   waits for the commit of what the handler changed so far;
 * - `rolling` refreshes every presented session, so each one is loaded
 *   before the handler, on every route (the response hooks commit it).
 *
 * Any other HTTP or GraphQL request passes through: the `@Session()` pipe
 * hydrates and the response hooks commit (see commit-hooks.ts), which is
 * also what runs when this interceptor did.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  constructor(private readonly runtime: SessionRuntime) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = ctx.getType<string>();
    if (type === 'ws') {
      // Without a known handshake only handlers that ask for the session fail (with a clear error).
      if (!handshakeOf(ctx.switchToWs().getClient())) return next.handle();
      const state = this.runtime.attach(exchangeFromContext(ctx));
      // Always in the message's async context: that is how `@Session()` finds the message.
      return this.handle(state, false, () => true, true, next);
    }
    if (type !== 'http') return next.handle();
    const state = this.runtime.attach(exchangeFromContext(ctx));
    const hydrate = this.runtime.options.rolling && state.token !== null;
    // The platform hook already runs HTTP requests in their context.
    return this.handle(state, hydrate, () => headersSent(state.exchange), false, next);
  }

  /**
   * The handler's result: subscribed to after hydration when `hydrate`,
   * inside the request's async context when `context`, and while `due()`
   * (no response left to hold), emitted only after the session is committed.
   *
   * Hand-written rather than composed from rxjs operators: it runs per
   * request or message, and a result with nothing to commit passes straight
   * through.
   */
  private handle(
    state: RequestState,
    hydrate: boolean,
    due: () => boolean,
    context: boolean,
    next: CallHandler,
  ): Observable<unknown> {
    const runtime = this.runtime;
    return new Observable<unknown>((subscriber) => {
      let inner: Subscription | undefined;
      const subscribe = (): void => {
        if (subscriber.closed) return;
        inner = next.handle().subscribe(committing(runtime, state, due, subscriber));
      };
      const start = (): void => {
        if (hydrate) runtime.hydrate(state).then(subscribe, (error: unknown) => subscriber.error(error));
        else subscribe();
      };
      if (context) runInRequest(state, start);
      else start();
      return () => inner?.unsubscribe();
    });
  }
}

/**
 * The observer that commits before passing on each value and the error of
 * the handler, while `due()`. Values keep their order; a failed commit ends
 * the stream with the store's error, and a handler's error is passed on
 * after the commit (or replaced by the commit's own error).
 */
function committing(
  runtime: SessionRuntime,
  state: RequestState,
  due: () => boolean,
  subscriber: Subscriber<unknown>,
): Observer<unknown> {
  let pending: Promise<void> | undefined;
  let failed = false;
  const fail = (error: unknown): void => {
    failed = true;
    subscriber.error(error);
  };
  return {
    next(value: unknown): void {
      if (!pending && (!due() || runtime.idle(state))) {
        subscriber.next(value);
        return;
      }
      pending = (pending ?? Promise.resolve())
        .then(() => (failed ? undefined : runtime.commit(state)))
        .then(() => {
          if (!failed) subscriber.next(value);
        }, fail);
    },
    error(error: unknown): void {
      if (!due() || runtime.idle(state)) {
        subscriber.error(error);
        return;
      }
      runtime.commit(state).then(() => subscriber.error(error), fail);
    },
    complete(): void {
      if (!pending) subscriber.complete();
      else
        void pending.then(() => {
          if (!failed) subscriber.complete();
        });
    },
  };
}
