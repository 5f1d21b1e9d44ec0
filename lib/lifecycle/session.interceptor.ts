import {
  HttpException,
  Injectable,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { Observable, type Observer, type Subscriber, type Subscription } from 'rxjs';
import { exchangeFromContext, type FastifyReplyLike } from '../transport/http-exchange.js';
import { handshakeOf } from '../transport/ws-exchange.js';
import { ModulesContainer } from '@nestjs/core';
import { SessionService } from '../session.service.js';
import { isInjectedAnywhere } from './context-need.js';
import { runInRequest } from './current-request.js';
import { stateOf, type RequestState } from './request-state.js';
import { routeUsage } from './route-usage.js';
import { SessionRuntime } from './session-runtime.js';

/**
 * Registered globally by SessionModule. Before the handler: hydrate the
 * session, but only when the handler asks for it (a route that never touches
 * the session costs no store call). After it — also when it throws — commit,
 * so the cookie is on the response before Nest sends it.
 *
 * Gateway messages (`ws`) get the same treatment per message, with the
 * session of the socket's handshake; their changes are saved, but no cookie
 * can be sent over a socket.
 */
@Injectable()
export class SessionInterceptor implements NestInterceptor {
  /**
   * Whether HTTP handlers run in the request's async context, which only
   * SessionService calls without a session argument need. Entering it costs
   * every request (on Node 20 it turns on promise hooks for the whole
   * process), so it is skipped when nothing in the application injects
   * SessionService. Decided on the first request, once the app is complete.
   */
  private injected: boolean | undefined;

  constructor(
    private readonly runtime: SessionRuntime,
    @Optional() private readonly modules?: ModulesContainer,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = ctx.getType();
    if (type === 'ws') return this.interceptMessage(ctx, next);
    if (type !== 'http') return next.handle();
    const usage = routeUsage(ctx.getClass(), ctx.getHandler());
    const context = (this.injected ??= this.findInjections()) || this.runtime.contextWanted;
    if (!context && !usage.usesSession && this.nothingToDo(ctx.switchToHttp().getRequest<object>())) {
      // Nothing can reach this request's session: no state, no context, no commit.
      return next.handle();
    }
    const state = this.runtime.attach(exchangeFromContext(ctx));
    // `rolling` refreshes every presented session, so it must be loaded.
    const hydrate = usage.usesSession || (this.runtime.options.rolling && state.token !== null);
    if (usage.ownsResponse) {
      // The handler sends the response itself: commit when it sends.
      this.commitBeforeSend(state);
      return this.handle(state, hydrate, false, context, next);
    }
    return this.handle(state, hydrate, true, context, next);
  }

  private findInjections(): boolean {
    return this.modules ? isInjectedAnywhere(this.modules, SessionService) : true;
  }

  /**
   * For a route that does not use the session, in an app where no handler
   * can reach SessionService: true when the request presents no cookie or
   * token (a presented one is still verified, so rejected tokens are counted)
   * and no guard loaded its session.
   */
  private nothingToDo(request: object): boolean {
    if (stateOf(request)?.loading) return false;
    const headers = ((request as { headers?: Record<string, unknown> }).headers ?? {}) as Record<string, unknown>;
    const { options } = this.runtime;
    if (options.cookieTransport && headers.cookie !== undefined) return false;
    return !(options.headerTransport && headers[options.headerName] !== undefined);
  }

  /** A gateway message: hydrate from the handshake when the handler asks, save what it changed. */
  private interceptMessage(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const usage = routeUsage(ctx.getClass(), ctx.getHandler());
    // Without a known handshake only handlers that need the session fail (with a clear error).
    if (!usage.usesSession && !handshakeOf(ctx.switchToWs().getClient())) return next.handle();
    const state = this.runtime.attach(exchangeFromContext(ctx));
    return this.handle(state, usage.usesSession, true, true, next);
  }

  /**
   * The handler's result: subscribed to inside the request's async context,
   * after hydration when `hydrate`, and when `commit`, emitted only after the
   * session is committed (also when the handler throws).
   *
   * Hand-written rather than composed from rxjs operators: this runs on every
   * request, and a route that never touches the session (nothing hydrated by
   * the time the handler is done) passes its result straight through.
   */
  private handle(
    state: RequestState,
    hydrate: boolean,
    commit: boolean,
    context: boolean,
    next: CallHandler,
  ): Observable<unknown> {
    const runtime = this.runtime;
    return new Observable<unknown>((subscriber) => {
      let inner: Subscription | undefined;
      const subscribe = (): void => {
        if (subscriber.closed) return;
        inner = next.handle().subscribe(commit ? committing(runtime, state, subscriber) : subscriber);
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

  /**
   * For `@Res()` handlers: hold the response until the session is saved, so
   * the Set-Cookie goes out with the headers. A failed save turns the
   * response into the store's error (503) instead of a false success.
   *
   * Express ends with `res.end()`, so that is held. Fastify's `reply.send()`
   * writes the head (with the reply's headers) before `end`, so there
   * `send` itself is held; `res.end` stays hooked for handlers that bypass the
   * reply and write to `reply.raw`.
   */
  private commitBeforeSend(state: RequestState): void {
    const { response: res, reply } = state.exchange;
    if (!res) return;
    const runtime = this.runtime;
    // Set once the first send/end starts the commit; later calls pass through or wait.
    let started = false;

    if (reply) {
      const send = reply.send.bind(reply) as (payload?: unknown) => unknown;
      let pending = false;
      reply.send = function (payload?: unknown): unknown {
        if (!started) {
          started = true;
          pending = true;
          runtime.commit(state).then(
            () => {
              pending = false;
              send(payload);
            },
            (error: unknown) => {
              pending = false;
              if (reply.sent || res.headersSent) return;
              const { status, body } = errorResponse(error);
              for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
              reply.code(status);
              reply.header('content-type', 'application/json; charset=utf-8');
              send(body);
            },
          );
          return reply;
        }
        // Fastify sends (nothing) itself when an async route handler resolves before the
        // reply went out. Nest 12 waits for the reply; older versions may not.
        if (pending) return reply;
        return send(payload);
      } as FastifyReplyLike['send'];
    }

    const end = res.end as (...args: unknown[]) => ServerResponse;
    res.end = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
      if (started || res.headersSent) return end.apply(res, args);
      started = true;
      // The handler wrote to Node's response directly: the cookie goes there too.
      state.exchange.reply = undefined;
      runtime.commit(state).then(
        () => end.apply(res, args),
        (error: unknown) => {
          if (res.headersSent) return end.apply(res, args);
          const { status, body } = errorResponse(error);
          for (const name of res.getHeaderNames()) res.removeHeader(name);
          res.statusCode = status;
          res.setHeader('content-type', 'application/json; charset=utf-8');
          res.setHeader('content-length', Buffer.byteLength(body));
          return end.call(res, body);
        },
      );
      return res;
    } as ServerResponse['end'];
  }
}

/**
 * The observer that commits before passing on each value and the error of
 * the handler. Values keep their order; a failed commit ends the stream with
 * the store's error, and a handler's error is passed on after the commit (or
 * replaced by the commit's own error). When committing would do nothing (no
 * session loaded, or an unchanged one), the result passes straight through.
 */
function committing(runtime: SessionRuntime, state: RequestState, subscriber: Subscriber<unknown>): Observer<unknown> {
  let pending: Promise<void> | undefined;
  let failed = false;
  const fail = (error: unknown): void => {
    failed = true;
    subscriber.error(error);
  };
  return {
    next(value: unknown): void {
      if (!pending && runtime.idle(state)) {
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
      if (runtime.idle(state)) {
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

/** The response a failed commit turns into: the store's 503, or a plain 500. */
function errorResponse(error: unknown): { status: number; body: string } {
  const status = error instanceof HttpException ? error.getStatus() : 500;
  const body = JSON.stringify(
    error instanceof HttpException ? error.getResponse() : { statusCode: 500, message: 'Internal server error' },
  );
  return { status, body };
}
