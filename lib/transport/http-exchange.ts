import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReplyLike, HttpExchange, PlatformRequest } from './exchange.js';

interface FastifyRequestLike {
  raw: IncomingMessage;
}

function isFastifyRequest(req: object): req is FastifyRequestLike {
  return 'raw' in req && typeof (req as { raw: unknown }).raw === 'object';
}

function isFastifyReply(res: object): res is FastifyReplyLike {
  return 'raw' in res && typeof (res as { header?: unknown }).header === 'function';
}

/** Fastify's reply of a request, linked by the module's Fastify hook (see platform-hook.ts). */
const REPLY = Symbol('nest-sessions:reply');

/**
 * Link a Fastify request to its reply: Fastify's request has no reference to
 * it, and servers that hand resolvers the request alone (Apollo on Fastify)
 * still need the reply held for the commit.
 */
export function linkReply(request: object, reply: object): void {
  (request as { [REPLY]?: object })[REPLY] = reply;
}

/** The exchange of a bare request: Express's `req.res`, Fastify's linked reply. */
export function exchangeFromRequest(request: PlatformRequest): HttpExchange {
  if (isFastifyRequest(request)) {
    const reply = (request as { [REPLY]?: FastifyReplyLike })[REPLY];
    return { request, raw: request.raw, response: reply?.raw, reply };
  }
  const raw = request as IncomingMessage & { res?: ServerResponse };
  return { request, raw, response: raw.res, reply: undefined };
}

/** The exchange of a request and its response, as the platform hands them to a hook or a context. */
export function exchangeOf(request: PlatformRequest, response: object | undefined): HttpExchange {
  const exchange = exchangeFromRequest(request);
  attachResponse(exchange, response);
  return exchange;
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
 * Add our Set-Cookie, replacing the one this module set earlier in the same
 * response (`previous`: a save followed by a regenerate), and only that one:
 * the app's own cookies pass untouched, one of the session cookie's name included.
 */
export function putSetCookie(exchange: HttpExchange, previous: string | undefined, value: string): void {
  const target = exchange.reply ?? exchange.response;
  if (!target) return;
  const current = target.getHeader('set-cookie');
  const list = current === undefined ? [] : Array.isArray(current) ? current.map(String) : [String(current)];
  const at = previous === undefined ? -1 : list.indexOf(previous);
  if (at >= 0) list.splice(at, 1);
  list.push(value);
  // Fastify appends on every `header('set-cookie')` call, so start from empty.
  if (exchange.reply) exchange.reply.removeHeader('set-cookie');
  if (exchange.reply) exchange.reply.header('set-cookie', list);
  else exchange.response?.setHeader('set-cookie', list);
}
