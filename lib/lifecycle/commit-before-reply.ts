import { HttpException, HttpStatus } from '@nestjs/common';
import { attachResponse } from '../transport/http-exchange.js';
import { commitAtSend } from './commit-at-send.js';
import { stateOf, type RequestState } from './request-state.js';
import type { SessionRuntime } from './session-runtime.js';

/** The HTTP adapter's methods through which Nest sends a handler's result or an exception filter's answer. */
const REPLYING = ['reply', 'redirect', 'render'] as const;

type AdapterMethod = (this: unknown, response: object, ...rest: unknown[]) => unknown;
type Replying = Record<(typeof REPLYING)[number], AdapterMethod | undefined>;

/**
 * Express's `res.req`, Fastify's `reply.request`: where the request's state
 * lives; on Fastify a middleware's `load(req)` put it on Node's request, with
 * no response known yet.
 */
function stateOfResponse(response: object): RequestState | undefined {
  const { req, request } = response as { req?: object; request?: object & { raw?: object } };
  const owner = request ?? req;
  if (!owner) return undefined;
  const state = stateOf(owner) ?? (request?.raw ? stateOf(request.raw) : undefined);
  if (state && !state.exchange.response) attachResponse(state.exchange, response);
  return state;
}

/**
 * Commit a session hydrated without the interceptor (see route-binding.ts)
 * just before Nest replies: the Set-Cookie goes out with the headers, also
 * for streamed results (`StreamableFile`), whose headers leave with the first
 * chunk, before the response's end. A failed commit is answered instead of
 * the result, with the store's 503, as the interceptor does.
 *
 * Wraps the methods of the application's own adapter instance (not its
 * class); returns the function that puts them back. Answers that do not go
 * through the adapter (an exception filter writing to the response itself)
 * are still committed by `commitAtSend`, at the response's end.
 */
export function commitBeforeReply(adapter: object, runtime: SessionRuntime): () => void {
  const target = adapter as Replying;
  const originals: Partial<Replying> = {};
  for (const name of REPLYING) {
    const original = target[name];
    if (typeof original !== 'function') continue;
    originals[name] = original;
    target[name] = function (this: unknown, response: object, ...rest: unknown[]): unknown {
      const state = stateOfResponse(response);
      if (!state || state.committedBeforeSend || runtime.idle(state)) {
        return original.call(this, response, ...rest);
      }
      // Nest 11 does not await the adapter's `redirect`, and Fastify answers an
      // empty 200 itself when the route's promise settles before the reply is
      // sent. So a Fastify redirect is made now and its send held for the commit.
      if (name === 'redirect' && state.exchange.reply) {
        commitAtSend(runtime, state);
        return original.call(this, response, ...rest);
      }
      // From here on the response hooks of `commitAtSend` pass the answer straight on.
      state.committedBeforeSend = true;
      const replied = runtime.commit(state).then(
        () => original.call(this, response, ...rest),
        (error: unknown) => {
          const status = error instanceof HttpException ? error.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
          const body =
            error instanceof HttpException
              ? error.getResponse()
              : { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
          return originals.reply?.call(this, response, body, status);
        },
      );
      // Nest awaits a handler's reply, but not an exception filter's: a failure to send is not left unhandled.
      replied.catch(() => undefined);
      return replied;
    };
  }
  return () => {
    for (const name of REPLYING) if (originals[name]) target[name] = originals[name];
  };
}
