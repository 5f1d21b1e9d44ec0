import {
  HttpException,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { catchError, concatMap, from, switchMap, type Observable } from 'rxjs';
import { exchangeFromContext, type FastifyReplyLike } from '../transport/http-exchange.js';
import { handshakeOf } from '../transport/ws-exchange.js';
import { runInRequest } from './current-request.js';
import type { RequestState } from './request-state.js';
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
  constructor(private readonly runtime: SessionRuntime) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = ctx.getType();
    if (type === 'ws') return this.interceptMessage(ctx, next);
    if (type !== 'http') return next.handle();
    const state = this.runtime.attach(exchangeFromContext(ctx));
    const usage = routeUsage(ctx.getClass(), ctx.getHandler());
    // `rolling` refreshes every presented session, so it must be loaded.
    const hydrate = usage.usesSession || (this.runtime.options.rolling && state.token !== null);

    let handled: () => Observable<unknown>;
    if (usage.ownsResponse) {
      // The handler sends the response itself: commit when it sends.
      this.commitBeforeSend(state);
      handled = () => next.handle();
    } else {
      handled = () => this.committing(state, next);
    }
    return runInRequest(state, () =>
      hydrate ? from(this.runtime.hydrate(state)).pipe(switchMap(handled)) : handled(),
    );
  }

  /** A gateway message: hydrate from the handshake when the handler asks, save what it changed. */
  private interceptMessage(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const usage = routeUsage(ctx.getClass(), ctx.getHandler());
    // Without a known handshake only handlers that need the session fail (with a clear error).
    if (!usage.usesSession && !handshakeOf(ctx.switchToWs().getClient())) return next.handle();
    const state = this.runtime.attach(exchangeFromContext(ctx));
    const handled = () => this.committing(state, next);
    return runInRequest(state, () =>
      usage.usesSession ? from(this.runtime.hydrate(state)).pipe(switchMap(handled)) : handled(),
    );
  }

  /** The handler's result, after the session is committed (also when the handler throws). */
  private committing(state: RequestState, next: CallHandler): Observable<unknown> {
    // catchError first: it must see only the handler's error. After concatMap it
    // would also catch a failed commit and commit again, doubling a hung store's wait.
    return next.handle().pipe(
      catchError((error: unknown) => from(this.runtime.commit(state).then(() => Promise.reject(error)))),
      concatMap(async (value: unknown) => {
        await this.runtime.commit(state);
        return value;
      }),
    );
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

/** The response a failed commit turns into: the store's 503, or a plain 500. */
function errorResponse(error: unknown): { status: number; body: string } {
  const status = error instanceof HttpException ? error.getStatus() : 500;
  const body = JSON.stringify(
    error instanceof HttpException ? error.getResponse() : { statusCode: 500, message: 'Internal server error' },
  );
  return { status, body };
}
