import type { LoggerService } from '@nestjs/common';
import type { ResolvedSessionOptions } from '../session.options.js';
import { clearingCookie, sessionCookie } from '../transport/cookie-codec.js';
import { headersSent, isSecureRequest, putSetCookie, setResponseHeader } from '../transport/http-exchange.js';
import type { HttpExchange } from '../transport/exchange.js';
import type { RequestState } from './request-state.js';

/**
 * Mark a response uncacheable: it carries (or clears) a session token, which
 * no shared or browser cache may keep.
 */
export function forbidCaching(exchange: HttpExchange): void {
  if (!headersSent(exchange)) setResponseHeader(exchange, 'cache-control', 'no-store');
}

/** The secret id inside a signed token `<secretId>.<mac>`. */
function secretIdOf(token: string): string {
  return token.slice(0, token.lastIndexOf('.'));
}

/**
 * Puts the session token on the response (cookie and/or header) or clears it.
 * The rule with both transports: a request that presented a valid header
 * token is answered in the header; one that presented a cookie gets a cookie;
 * a new client (no valid token) gets every configured transport, and keeps
 * whichever it can use. The header is only sent when the client does not
 * already hold that exact token (new, regenerated, or re-signed under the
 * newest secret): a header client has no expiry to refresh. Each response
 * carrying a token is marked `Cache-Control: no-store`.
 */
export class TokenDelivery {
  private warnedLate = false;
  private warnedSocket = false;

  constructor(
    private readonly options: ResolvedSessionOptions,
    private readonly logger: LoggerService | null,
  ) {}

  /** Whether a new session could reach this client at all (a Secure cookie over plain HTTP cannot). */
  canDeliver(state: RequestState): boolean {
    if (state.exchange.client) {
      // A gateway message has no response: a session it creates could never reach the client.
      if (!this.warnedSocket) {
        this.warnedSocket = true;
        this.logger?.warn(
          'A session was created in a WebSocket gateway handler; it was not saved, as no cookie or header can be sent ' +
            'over a socket. Sockets use the session the client established over HTTP before connecting.',
        );
      }
      return false;
    }
    // Nor could one created after the response's headers left (`writable` says so, once).
    if (headersSent(state.exchange) && !this.writable(state.exchange)) return false;
    return this.cookieAllowed(state) || this.options.headerTransport;
  }

  sendToken(state: RequestState, token: string, ttlMs: number): void {
    const exchange = state.exchange;
    if (!this.writable(exchange)) return;
    const via = state.token?.via;
    let sent = false;
    if (via !== 'header' && this.cookieAllowed(state)) {
      this.putCookie(state, sessionCookie(this.options, token, ttlMs, this.secure(exchange)));
      sent = true;
    }
    if (this.options.headerTransport && via !== 'cookie' && !this.holdsAlready(state, token)) {
      setResponseHeader(exchange, this.options.headerName, token);
      sent = true;
    }
    if (sent) forbidCaching(exchange);
  }

  /** Expire the client's cookie (same name, Path and Domain). Header clients just stop being recognised. */
  clear(state: RequestState): void {
    const exchange = state.exchange;
    if (!state.hadCookie || !this.options.cookieTransport || !this.writable(exchange)) return;
    this.putCookie(state, clearingCookie(this.options, this.secure(exchange)));
    forbidCaching(exchange);
  }

  /** Our Set-Cookie, in place of the one we put on this response before (and no other). */
  private putCookie(state: RequestState, value: string): void {
    putSetCookie(state.exchange, state.sentCookie, value);
    state.sentCookie = value;
  }

  /** The request presented this very token in the header (same id, signed with the newest secret). */
  private holdsAlready(state: RequestState, token: string): boolean {
    const presented = state.token;
    return presented?.via === 'header' && !presented.resign && presented.secretId === secretIdOf(token);
  }

  private cookieAllowed(state: RequestState): boolean {
    if (!this.options.cookieTransport) return false;
    // A cookie configured Secure is never sent over plain HTTP.
    return this.options.cookie.secure !== true || isSecureRequest(state.exchange);
  }

  private secure(exchange: HttpExchange): boolean {
    const secure = this.options.cookie.secure;
    return secure === 'auto' ? isSecureRequest(exchange) : secure;
  }

  private writable(exchange: HttpExchange): boolean {
    if (!exchange.response && !exchange.reply) return false;
    if (!headersSent(exchange)) return true;
    if (!this.warnedLate) {
      this.warnedLate = true;
      this.logger?.warn(
        'A session changed after the response headers were sent, so its cookie/header could not be updated. ' +
          'When streaming through @Res(), call `await session.save()` before writing.',
      );
    }
    return false;
  }
}
