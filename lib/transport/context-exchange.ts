import type { ExecutionContext } from '@nestjs/common';
import type { HttpExchange, PlatformRequest } from './exchange.js';
import { graphqlRequestOf } from './graphql-exchange.js';
import { exchangeOf } from './http-exchange.js';
import { exchangeFromWsContext } from './ws-exchange.js';

/**
 * The exchange of whatever Nest is running: an HTTP route, a gateway message,
 * or a GraphQL resolver (whose request and response sit in the GraphQL
 * context, the third argument). Every per-context difference is resolved
 * here, once; `@nestjs/graphql` is not imported, only its context type name.
 */
export function exchangeFromContext(ctx: ExecutionContext): HttpExchange {
  const type = ctx.getType<string>();
  if (type === 'ws') return exchangeFromWsContext(ctx);
  if (type === 'graphql') {
    const { request, response } = graphqlRequestOf(ctx.getArgs());
    return exchangeOf(request, response);
  }
  const http = ctx.switchToHttp();
  return exchangeOf(http.getRequest<PlatformRequest>(), http.getResponse<object>());
}
