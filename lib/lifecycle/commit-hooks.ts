import { HttpException, HttpStatus } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { FastifyReplyLike } from '../transport/exchange.js';
import { attachResponse } from '../transport/http-exchange.js';
import { stateOf, type RequestState } from './request-state.js';
import type { SessionRuntime } from './session-runtime.js';

/**
 * Where an HTTP request's session is committed: just before the response
 * leaves, so the Set-Cookie goes out with the headers. Two hooks, one rule:
 *
 * 1. Nest's answer. The application's HTTP adapter methods through which
 *    Nest sends a handler's result or an exception filter's answer (`reply`,
 *    `redirect`, `render`) are wrapped: commit, then answer. This runs after
 *    every interceptor, so changes an app's interceptors make after the
 *    handler are saved, and before the body, so streamed results
 *    (`StreamableFile`) carry the cookie too. A failed commit rejects the
 *    call, which Nest hands to the app's exception filters like any error.
 * 2. The send. For answers that do not go through the adapter (`@Res()`
 *    handlers, filters writing the response themselves, GraphQL servers,
 *    middleware), the send is held until the commit is done: Express's
 *    `res.end`, Fastify's `reply.send` (which writes the head before `end`;
 *    `reply.raw.end` stays held for handlers that write to Node's response).
 *    A failed commit there answers the store's error itself (`failureOf`):
 *    the response is already on its way, no filter can take it any more.
 *
 * Whichever starts first marks the state `committed`; the other then passes
 * the response straight on, as both do when there is nothing to commit.
 */

/** The adapter methods Nest answers through. */
const REPLYING = ['reply', 'redirect', 'render'] as const;

type AdapterMethod = (this: unknown, response: object, ...rest: unknown[]) => unknown;
type Replying = Record<(typeof REPLYING)[number], AdapterMethod | undefined>;

/** The status and JSON body a failed commit is answered with: the store's 503, or a plain 500. */
export function failureOf(error: unknown): { status: number; body: object } {
  if (error instanceof HttpException) {
    const response = error.getResponse();
    return { status: error.getStatus(), body: typeof response === 'object' ? response : { message: response } };
  }
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    body: { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' },
  };
}

/** Wrap the methods of the application's own adapter instance (not its class); returns what puts them back. */
export function commitBeforeNestReplies(adapter: object, runtime: SessionRuntime): () => void {
  const target = adapter as Replying;
  const originals: Partial<Replying> = {};
  for (const name of REPLYING) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    originals[name] = original;
    target[name] = function (this: unknown, response: object, ...rest: unknown[]): unknown {
      const state = stateOfResponse(response);
      if (!state || state.committed) return original.call(this, response, ...rest);
      state.committed = true;
      if (runtime.idle(state)) return original.call(this, response, ...rest);
      // Until the commit is done, Fastify's own send for the resolved route (Nest 11
      // does not await `redirect`) must not answer first: see `holdResponse`.
      state.replying = true;
      holdResponse(runtime, state);
      const committed = runtime.commit(state).finally(() => {
        state.replying = false;
      });
      return whenAwaited(
        committed.then(() => original.call(this, response, ...rest)),
        (error) => {
          const { status, body } = failureOf(error);
          return originals.reply?.call(this, response, body, status);
        },
      );
    };
  }
  return () => {
    for (const name of REPLYING) if (originals[name]) target[name] = originals[name];
  };
}

/**
 * A promise that knows whether anybody awaits it. Nest 12 awaits the adapter's
 * `reply`, `redirect` and `render` and hands a rejection to the exception
 * filters; Nest 11 does not await `redirect`, and exception filters never
 * await their `reply`. A failure nobody awaits is answered by `unawaited`
 * instead of being left unhandled (and the client without an answer).
 */
class Watched<T> extends Promise<T> {
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }
  watched = false;
  override then<A = T, B = never>(
    onFulfilled?: ((value: T) => A | PromiseLike<A>) | null,
    onRejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.watched = true;
    return super.then(onFulfilled, onRejected);
  }
}

function whenAwaited(run: Promise<unknown>, unawaited: (error: unknown) => unknown): Promise<unknown> {
  const outcome: Watched<unknown> = new Watched((resolve, reject) => {
    run.then(resolve, (error: unknown) => {
      // `await` calls `then` one microtask after the call returned; a store
      // failure takes longer, and the next macrotask is surely past it.
      setImmediate(() => {
        if (outcome.watched) reject(error);
        else Promise.resolve(unawaited(error)).then(resolve, resolve);
      });
    });
  });
  return outcome;
}

/**
 * Express's `res.req`, Fastify's `reply.request`: where the request's state
 * lives, with its response side recorded now if it was not known yet.
 */
function stateOfResponse(response: object): RequestState | undefined {
  const { req, request } = response as { req?: object; request?: object };
  const owner = request ?? req;
  const state = owner ? stateOf(owner) : undefined;
  if (state && !state.exchange.response) attachResponse(state.exchange, response);
  return state;
}

/**
 * Hold the response's send until the session is committed (installed once per
 * request, when it is hydrated). Fastify's reply is held as soon as it is
 * known: a session a middleware loaded on Node's request gets it when the
 * platform hook hands the state to Fastify's request.
 */
export function holdResponse(runtime: SessionRuntime, state: RequestState): void {
  const { response: res, reply } = state.exchange;
  if (!res) return;
  if (reply && !state.replyHeld) {
    state.replyHeld = true;
    holdReplySend(runtime, state, reply, res);
  }
  if (state.held) return;
  state.held = true;
  const end = res.end as (...args: unknown[]) => ServerResponse;
  res.end = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (state.committed) return end.apply(res, args);
    state.committed = true;
    // A streamed answer (`@Sse()`, writes through `@Res()`) sent its headers long
    // ago: what changed since is still saved before the end, only without a cookie.
    if (runtime.idle(state)) return end.apply(res, args);
    // The handler wrote to Node's response directly: the cookie goes there too.
    state.exchange.reply = undefined;
    runtime.commit(state).then(
      () => end.apply(res, args),
      (error: unknown) => (res.headersSent ? end.apply(res, args) : answerOnResponse(res, end, error)),
    );
    return res;
  } as ServerResponse['end'];
}

/** Fastify's `reply.send` (which writes the head before `end`), held for the commit. */
function holdReplySend(
  runtime: SessionRuntime,
  state: RequestState,
  reply: FastifyReplyLike,
  res: ServerResponse,
): void {
  // Set while this hold commits: sends meanwhile are Fastify's own (see below).
  let pending = false;
  const send = reply.send.bind(reply) as (payload?: unknown) => unknown;
  reply.send = function (payload?: unknown): unknown {
    // Fastify sends (nothing) itself when an async route resolves before the
    // reply went out; the real answer follows the commit.
    if (pending || state.replying) return reply;
    if (state.committed) return send(payload);
    state.committed = true;
    if (runtime.idle(state)) return send(payload);
    pending = true;
    runtime.commit(state).then(
      () => {
        pending = false;
        send(payload);
      },
      (error: unknown) => {
        pending = false;
        if (!reply.sent && !res.headersSent) answerOnReply(reply, send, error);
      },
    );
    return reply;
  } as FastifyReplyLike['send'];
}

function answerOnReply(reply: FastifyReplyLike, send: (payload?: unknown) => unknown, error: unknown): void {
  const { status, body } = failureOf(error);
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  reply.code(status);
  reply.header('content-type', 'application/json; charset=utf-8');
  send(JSON.stringify(body));
}

function answerOnResponse(res: ServerResponse, end: (...args: unknown[]) => ServerResponse, error: unknown): void {
  const { status, body } = failureOf(error);
  const text = JSON.stringify(body);
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  end.call(res, text);
}
