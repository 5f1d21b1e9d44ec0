import {
  attachResponse,
  exchangeFromRequest,
  type HttpExchange,
  type PlatformRequest,
} from '../transport/http-exchange.js';
import { runInRequest } from './current-request.js';
import type { RequestState } from './request-state.js';

/** What the hook needs of Nest's HTTP adapter (Express or Fastify). */
interface HttpAdapterLike {
  getType(): string;
  getInstance(): unknown;
  use(handler: (req: object, res: object, next: () => void) => void): unknown;
}

interface FastifyLike {
  addHook(name: 'preHandler', hook: (request: object, reply: object, done: () => void) => void): unknown;
}

/**
 * Run every HTTP request in its async context, for SessionService calls
 * without a session argument, with a platform hook instead of an
 * interceptor (which would cost every route far more). The request's state
 * is only created when such a call asks for it.
 *
 * Must be installed before Nest registers its routes. Express: an
 * application-level middleware, which calls the route handler inside `next`.
 * Fastify: a `preHandler` hook, which runs after the body is parsed (the
 * parser's stream events would lose the context) and calls the handler
 * inside `done`. `wanted()` is asked per request, so the context can be
 * turned on later (SessionService first reached through ModuleRef).
 */
export function enterRequestContext(
  adapter: HttpAdapterLike,
  wanted: () => boolean,
  stateFor: (request: PlatformRequest, response: object) => RequestState,
): void {
  const lazy = (request: object, response: object): (() => RequestState) => {
    let state: RequestState | undefined;
    return () => (state ??= stateFor(request as PlatformRequest, response));
  };
  if (adapter.getType() === 'fastify') {
    (adapter.getInstance() as FastifyLike).addHook('preHandler', (request, reply, done) => {
      if (wanted()) runInRequest(lazy(request, reply), done);
      else done();
    });
    return;
  }
  adapter.use((req, res, next) => {
    if (wanted()) runInRequest(lazy(req, res), next);
    else next();
  });
}

/** The exchange of a request and its response, as the platform hands them to a hook. */
export function exchangeOf(request: PlatformRequest, response: object): HttpExchange {
  const exchange = exchangeFromRequest(request);
  attachResponse(exchange, response);
  return exchange;
}
