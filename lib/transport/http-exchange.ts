import type { ExecutionContext } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exchangeFromWsContext } from './ws-exchange.js';

/** The platform request object: Express's `req` or Fastify's `request`. */
export type PlatformRequest = object & { session?: unknown };

/**
 * One HTTP exchange, whatever the platform. Express hands Nest Node's own
 * request/response (augmented); Fastify wraps them and keeps Node's in `.raw`.
 * Every platform difference the module cares about is resolved here, once.
 * A WebSocket gateway message is an exchange too: its request is the socket's
 * handshake and it has no response (see ws-exchange.ts).
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
  header(name: string, value: string | string[]): unknown;
  getHeader(name: string): unknown;
  getHeaders(): Record<string, unknown>;
  removeHeader(name: string): unknown;
  code(status: number): unknown;
  send(payload?: unknown): unknown;
  sent?: boolean;
}

interface FastifyRequestLike {
  raw: IncomingMessage;
}

function isFastifyRequest(req: object): req is FastifyRequestLike {
  return 'raw' in req && typeof (req as { raw: unknown }).raw === 'object';
}

function isFastifyReply(res: object): res is FastifyReplyLike {
  return 'raw' in res && typeof (res as { header?: unknown }).header === 'function';
}

/** The exchange of an HTTP execution context, or of a gateway message. */
export function exchangeFromContext(ctx: ExecutionContext): HttpExchange {
  if (ctx.getType() === 'ws') return exchangeFromWsContext(ctx);
  const http = ctx.switchToHttp();
  const exchange = exchangeFromRequest(http.getRequest<PlatformRequest>());
  attachResponse(exchange, http.getResponse<object>());
  return exchange;
}

/** The exchange of a bare request (Express's `req.res` is found; Fastify's reply comes later). */
export function exchangeFromRequest(request: PlatformRequest): HttpExchange {
  if (isFastifyRequest(request)) {
    return { request, raw: request.raw, response: undefined, reply: undefined };
  }
  const raw = request as IncomingMessage & { res?: ServerResponse };
  return { request, raw, response: raw.res, reply: undefined };
}

/** Record the response side once it is known. */
export function attachResponse(exchange: HttpExchange, response: object | undefined): void {
  if (!response) return;
  if (isFastifyReply(response)) {
    exchange.reply = response;
    exchange.response = response.raw;
  } else {
    exchange.response = response as ServerResponse;
  }
}

/** True when the request came over HTTPS, directly or through a proxy the platform trusts. */
export function isSecureRequest(exchange: HttpExchange): boolean {
  // Express (`trust proxy`) and Fastify (`trustProxy`) both resolve `protocol`
  // from X-Forwarded-Proto only for trusted proxies; the header alone never counts.
  const protocol = (exchange.request as { protocol?: unknown }).protocol;
  if (typeof protocol === 'string') return protocol === 'https';
  return Boolean((exchange.raw.socket as { encrypted?: boolean } | undefined)?.encrypted);
}

export function headersSent(exchange: HttpExchange): boolean {
  return Boolean(exchange.response?.headersSent || exchange.reply?.sent);
}

/** Set a response header, through Fastify's reply when there is one. */
export function setResponseHeader(exchange: HttpExchange, name: string, value: string): void {
  if (exchange.reply) exchange.reply.header(name, value);
  else exchange.response?.setHeader(name, value);
}

/**
 * Add our Set-Cookie, replacing one this module set earlier in the same
 * response (a save followed by a regenerate) and keeping the app's others.
 */
export function putSetCookie(exchange: HttpExchange, cookieName: string, value: string): void {
  const target = exchange.reply ?? exchange.response;
  if (!target) return;
  const current = target.getHeader('set-cookie');
  const list = current === undefined ? [] : Array.isArray(current) ? current.map(String) : [String(current)];
  const mine = `${cookieName}=`;
  const kept = list.filter((c) => !c.startsWith(mine));
  kept.push(value);
  // Fastify appends on every `header('set-cookie')` call, so start from empty.
  if (exchange.reply) exchange.reply.removeHeader('set-cookie');
  if (exchange.reply) exchange.reply.header('set-cookie', kept);
  else exchange.response?.setHeader('set-cookie', kept);
}

/** Remove the Set-Cookie this module added (after a failed save nothing must be sent). */
export function dropSetCookie(exchange: HttpExchange, cookieName: string): void {
  const target = exchange.reply ?? exchange.response;
  const current = target?.getHeader('set-cookie');
  if (!target || current === undefined) return;
  const list = (Array.isArray(current) ? current.map(String) : [String(current)]).filter(
    (c) => !c.startsWith(`${cookieName}=`),
  );
  target.removeHeader('set-cookie');
  if (list.length === 0) return;
  if (exchange.reply) exchange.reply.header('set-cookie', list);
  else exchange.response?.setHeader('set-cookie', list);
}
