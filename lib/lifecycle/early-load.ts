import type { ServerResponse } from 'node:http';
import type { PlatformRequest } from '../transport/exchange.js';
import { exchangeOf } from '../transport/http-exchange.js';
import { failureOf } from './commit-hooks.js';
import type { HttpAdapterLike } from './platform-hook.js';
import type { SessionRuntime } from './session-runtime.js';

/**
 * `loadEarly`: load the session before any other middleware, as
 * express-session does, so Passport, connect-flash and csrf-sync find
 * `req.session`. It is the request's one load (the `@Session()` pipe, guards
 * and SessionService share it), committed before the response like any
 * other. A request without a session token gets a fresh session without a
 * store call.
 *
 * One application middleware on both platforms (on Fastify it runs in
 * middie's `onRequest` hook, on Node's request; the platform hook's
 * `preHandler` hands the state to Fastify's request, so `request.session` and
 * `request.raw.session` are one object). Installed first: see SessionHttpHooks.
 * A store failure answers the store's 503 here: the app asked for the session
 * on every request, and the middleware after this one cannot do without it.
 */
export function installEarlyLoad(adapter: HttpAdapterLike, runtime: SessionRuntime): void {
  adapter.use((req, res, next) => {
    const state = runtime.attach(exchangeOf(req as PlatformRequest, res));
    runtime.hydrate(state).then(
      () => next(),
      (error: unknown) => {
        const { status, body } = failureOf(error);
        const response = res as ServerResponse;
        response.statusCode = status;
        response.setHeader('content-type', 'application/json; charset=utf-8');
        response.end(JSON.stringify(body));
      },
    );
  });
}
