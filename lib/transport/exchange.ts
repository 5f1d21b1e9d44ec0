import type { IncomingMessage, ServerResponse } from 'node:http';

/** The platform request object: Express's `req` or Fastify's `request`. */
export type PlatformRequest = object & { session?: unknown };

/**
 * One exchange, whatever the platform or context. Express hands Nest Node's
 * own request/response (augmented); Fastify wraps them and keeps Node's in
 * `.raw`. A WebSocket gateway message is an exchange too: its request is the
 * socket's handshake and it has no response (see ws-exchange.ts).
 */
export interface HttpExchange {
  /** Where the session is attached (`req.session`) and per-request state lives. */
  request: PlatformRequest;
  /** Node's request: headers and socket. */
  raw: IncomingMessage;
  /** Node's response, when known (a guard given only a request has none yet). */
  response: ServerResponse | undefined;
  /** Fastify's reply, whose header API must be used so its own headers do not override ours. */
  reply: FastifyReplyLike | undefined;
  /** The gateway client (WebSocket or socket.io socket) of a message; no cookie or header can reach it. */
  client?: object;
}

/** The part of Fastify's reply the module uses. */
export interface FastifyReplyLike {
  raw: ServerResponse;
  request?: PlatformRequest;
  header(name: string, value: string | string[]): unknown;
  getHeader(name: string): unknown;
  getHeaders(): Record<string, unknown>;
  removeHeader(name: string): unknown;
  code(status: number): unknown;
  send(payload?: unknown): unknown;
  sent?: boolean;
}
