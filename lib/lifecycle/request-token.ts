import type { ResolvedSessionOptions } from '../session.options.js';
import { readCookie } from '../transport/cookie-codec.js';
import { pathMatches } from '../transport/cookie-path.js';
import type { HttpExchange } from '../transport/exchange.js';
import type { TokenSigner } from '../transport/session-token.js';
import type { RejectedTokenMonitor } from './rejected-token-monitor.js';
import type { RequestState } from './request-state.js';

/**
 * The token a request presents, verified (no store call): the header first
 * when the header transport is on, else the cookie, which counts only on
 * requests inside the cookie's path. Presented tokens that fail verification
 * are counted (guessing attempts) and treated as absent.
 */
export function readRequestToken(
  exchange: HttpExchange,
  options: ResolvedSessionOptions,
  signer: TokenSigner,
  probes: RejectedTokenMonitor,
): Pick<RequestState, 'token' | 'hadCookie'> {
  const headers = exchange.raw.headers;
  let token: RequestState['token'] = null;
  let hadCookie = false;
  if (options.headerTransport) {
    const value = headers[options.headerName];
    const verified = signer.verify(Array.isArray(value) ? value[0] : value);
    if (verified) token = { ...verified, via: 'header' };
  }
  if (!token && options.cookieTransport && inCookiePath(exchange, options.cookie.path)) {
    const value = readCookie(headers.cookie, options.name);
    hadCookie = value !== undefined;
    const verified = signer.verify(value);
    if (verified) token = { ...verified, via: 'cookie' };
  }
  const presented = hadCookie || (options.headerTransport && headers[options.headerName] !== undefined);
  if (!token && presented) probes.rejected();
  return { token, hadCookie };
}

/** A cookie scoped to a path is ours only on requests inside that path (browsers agree). */
function inCookiePath(exchange: HttpExchange, path: string): boolean {
  if (path === '/') return true;
  const url = (exchange.request as { originalUrl?: string }).originalUrl ?? exchange.raw.url ?? '/';
  return pathMatches(url, path);
}
