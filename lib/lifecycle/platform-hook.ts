import type { PlatformRequest } from '../transport/exchange.js';
import { exchangeOf, linkReply } from '../transport/http-exchange.js';
import { runInRequest } from './current-request.js';
import { holdResponse } from './commit-hooks.js';
import { setState, stateOf, type RequestState } from './request-state.js';
import { exposeOn } from './exposed-session.js';
import type { SessionRuntime } from './session-runtime.js';

/** What the hook needs of Nest's HTTP adapter (Express or Fastify): public methods of both. */
export interface HttpAdapterLike {
  getType(): string;
  getInstance(): unknown;
  use(handler: (req: object, res: object, next: () => void) => void): unknown;
}

interface FastifyLike {
  addHook(name: 'preHandler', hook: (request: object, reply: object, done: () => void) => void): unknown;
}

/**
 * The module's one hook into the platform, installed at boot before Nest
 * registers its routes (SessionModule's `configure`). It does what must
 * happen for every request before the route and that no Nest enhancer can
 * do as cheaply (a no-op global interceptor costs every route ~20 µs, this
 * hook 0–3 µs):
 *
 * - with `requestContext`, run the request in its async context, so
 *   SessionService calls without a session find it; the request's state is
 *   created only when such a call asks for it. Express: an application-level
 *   middleware, which calls the route inside `next`. Fastify: a `preHandler`
 *   hook, which runs after the body is parsed (the parser's stream events
 *   would lose the context) and calls the handler inside `done`.
 * - on Fastify, link the request to its reply (for GraphQL servers that hand
 *   resolvers the request alone), and hand a session a middleware loaded
 *   (Nest middleware gets Node's request there) to Fastify's request and
 *   reply: `@Req() req.session` is set, and the reply is held for the commit.
 *
 * A switch that loads every presented session before middleware would be one
 * more line here (an `adapter.use` middleware calling `runtime.hydrate`).
 */
export function installPlatformHook(adapter: HttpAdapterLike, runtime: SessionRuntime): void {
  const context = runtime.options.requestContext;
  const lazy = (request: object, response: object): (() => RequestState) => {
    let state: RequestState | undefined;
    return () => (state ??= runtime.attach(exchangeOf(request as PlatformRequest, response)));
  };
  if (adapter.getType() === 'fastify') {
    (adapter.getInstance() as FastifyLike).addHook('preHandler', (request, reply, done) => {
      linkReply(request, reply);
      adoptMiddlewareState(runtime, request, reply);
      if (context) runInRequest(lazy(request, reply), done);
      else done();
    });
    return;
  }
  if (context) adapter.use((req, res, next) => runInRequest(lazy(req, res), next));
}

/** A state a Fastify middleware's `load(req)` put on Node's request becomes the route's. */
function adoptMiddlewareState(runtime: SessionRuntime, request: object, reply: object): void {
  const raw = (request as { raw?: object }).raw;
  const state = raw ? stateOf(raw) : undefined;
  if (!state || stateOf(request)) return;
  const exchange = exchangeOf(request as PlatformRequest, reply);
  state.exchange.request = exchange.request;
  state.exchange.reply = exchange.reply;
  state.exchange.response = exchange.response;
  setState(request, state);
  if (state.session) exposeOn(request, state.session);
  if (state.loading) holdResponse(runtime, state);
}
