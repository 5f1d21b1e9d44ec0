import type { PlatformRequest } from './exchange.js';

/** The GraphQL context object as the common servers build it. */
interface GraphqlContextLike {
  /** Apollo on Express (`{ req, res }`) and on Fastify (`{ req, reply }` or `{ request, reply }`). */
  req?: PlatformRequest;
  request?: PlatformRequest;
  res?: object;
  /** Fastify's reply (Apollo on Fastify, mercurius), whose `request` is the request. */
  reply?: object & { request?: PlatformRequest };
}

/** Thrown when a resolver asks for the session and its GraphQL context carries no HTTP request. */
export class NoGraphqlRequestError extends Error {
  constructor() {
    super(
      'The session of a GraphQL resolver is read from the HTTP request in the GraphQL context: ' +
        'keep `req` (Express) or `request`/`reply` (Fastify) in the context, e.g. ' +
        '`context: ({ req, res }) => ({ req, res })` or `context: (request, reply) => ({ request, reply })`.',
    );
    this.name = 'NoGraphqlRequestError';
  }
}

/**
 * The HTTP request and response of a GraphQL resolver's execution: its
 * arguments are `(root, args, context, info)`, and the context holds what the
 * server put there. Read structurally, so `@nestjs/graphql` stays optional.
 */
export function graphqlRequestOf(args: unknown[]): { request: PlatformRequest; response: object | undefined } {
  const context = (args[2] ?? {}) as GraphqlContextLike;
  const request = context.req ?? context.request ?? context.reply?.request;
  if (typeof request !== 'object' || request === null) throw new NoGraphqlRequestError();
  return { request, response: context.reply ?? context.res };
}
