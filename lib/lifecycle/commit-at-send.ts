import { HttpException } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { FastifyReplyLike } from '../transport/http-exchange.js';
import type { RequestState } from './request-state.js';
import type { SessionRuntime } from './session-runtime.js';

/**
 * Commit when the response is sent, for requests whose session is not
 * committed by the interceptor before Nest writes the result: `@Res()`
 * handlers, and routes without `@Session()` where a guard (or middleware)
 * loaded the session. The response is held until the session is saved, so
 * the Set-Cookie goes out with the headers; a failed save turns the response
 * into the store's error (503) instead of a false success.
 *
 * Express ends with `res.end()`, so that is held. Fastify's `reply.send()`
 * writes the head (with the reply's headers) before `end`, so there `send`
 * itself is held; `res.end` stays hooked for handlers that bypass the reply
 * and write to `reply.raw`.
 *
 * Installed at most once per request. When the session was committed before
 * (`state.committedBeforeSend`: by the interceptor, or just before Nest's
 * reply), or has nothing to commit, the hooks pass the response straight on.
 */
export function commitAtSend(runtime: SessionRuntime, state: RequestState): void {
  const { response: res, reply } = state.exchange;
  if (!res || state.sendHooked) return;
  state.sendHooked = true;
  // Set once the first send/end starts the commit; later calls pass through or wait.
  let started = false;
  const skip = (): boolean => state.committedBeforeSend;

  if (reply) {
    const send = reply.send.bind(reply) as (payload?: unknown) => unknown;
    let pending = false;
    reply.send = function (payload?: unknown): unknown {
      if (!started && !skip()) {
        started = true;
        if (runtime.idle(state)) return send(payload);
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
    if (started || skip() || res.headersSent) return end.apply(res, args);
    started = true;
    if (runtime.idle(state)) return end.apply(res, args);
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

/** The response a failed commit turns into: the store's 503, or a plain 500. */
function errorResponse(error: unknown): { status: number; body: string } {
  const status = error instanceof HttpException ? error.getStatus() : 500;
  const body = JSON.stringify(
    error instanceof HttpException ? error.getResponse() : { statusCode: 500, message: 'Internal server error' },
  );
  return { status, body };
}
