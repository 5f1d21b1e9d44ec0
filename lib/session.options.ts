import type { LoggerService, Type } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import type { SessionStore } from './stores/session-store.js';

/** Where the signed session token travels. */
export type SessionTransport = 'cookie' | 'header';

export interface SessionCookieOptions {
  /** @default '/' */
  path?: string;
  /** No Domain attribute by default: the cookie stays on the exact host. */
  domain?: string;
  /** @default true */
  httpOnly?: boolean;
  /** `'auto'`: Secure only when the request came over HTTPS (or a trusted proxy says so). @default false */
  secure?: boolean | 'auto';
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none' | boolean;
  partitioned?: boolean;
  priority?: 'low' | 'medium' | 'high';
}

/**
 * A request as the `fingerprint` callback sees it: the platform's request
 * (Express or Fastify), whose `ip` honours the platform's trusted-proxy setting.
 */
export interface SessionRequest {
  headers: IncomingHttpHeaders;
  ip?: string;
  socket?: { remoteAddress?: string };
}

export interface SessionModuleOptions {
  /** Signs session tokens (HMAC-SHA256). The first signs; all verify. Each at least 32 characters. */
  secret: string | string[];
  /** A store instance, or a class to instantiate. @default MemoryStore */
  store?: SessionStore | Type<SessionStore>;
  /** Cookie name. @default 'sid' */
  name?: string;
  /** @default 'cookie' */
  transport?: SessionTransport | SessionTransport[];
  /** Header that carries the token in header transport. @default 'x-session-token' */
  headerName?: string;
  cookie?: SessionCookieOptions;
  /** Idle lifetime in ms; 0 = never expires. @default 86_400_000 */
  maxAge?: number;
  /** Hard lifetime from creation in ms, whatever the activity. */
  absoluteMaxAge?: number;
  /** Re-send the cookie and refresh expiry on every response. @default false */
  rolling?: boolean;
  /**
   * Track the request being handled (AsyncLocalStorage), so SessionService
   * methods called without a session (`sessionService.save()`) act on its
   * session, and `listByOwner`/`destroyByOwner` know which one is current.
   * Off, pass the session (`@Session() session`). Costs every request a
   * platform hook and an async context. @default false
   */
  requestContext?: boolean;
  /**
   * Load the session before the platform's middleware and Nest's guards run,
   * as express-session does: `req.session` and `req.sessionID` (the public id)
   * are there for Passport (`app.use(passport.session())`, `super.logIn()` in
   * guards), connect-flash, csrf-sync. Every request that presents a session
   * token costs one store read; one without a token costs none. A store
   * outage answers those requests 503 before any middleware. Off, the session
   * is loaded only when something asks for it. @default false
   */
  loadEarly?: boolean;
  /** Extend an unchanged session's expiry at most once per this many ms. @default maxAge / 10 */
  touchAfter?: number;
  /** Store and send a cookie for new sessions nobody wrote to. @default false */
  saveUninitialized?: boolean;
  /** Session id generator; must return 22 to 128 base64url characters. @default 32 random bytes */
  genid?: () => string;
  /** Bind sessions to the client: true = IP + User-Agent, or your own function. @default false */
  fingerprint?: boolean | ((req: SessionRequest) => string);
  /** Cap on a session's serialised data, bytes. @default 65_536 */
  maxBytes?: number;
  /** Data key that names the session's owner, for listByOwner / destroyByOwner. @default 'userId' */
  ownerKey?: string;
  /** Longest wait on any store call before the request fails with 503, ms. @default 2_000 */
  storeTimeout?: number;
  /** A Nest LoggerService, or false for silence. @default new Logger('SessionModule') */
  logger?: LoggerService | false;
}

/** Implemented by the class given to `forRootAsync({ useClass | useExisting })`. */
export interface SessionOptionsFactory {
  createSessionOptions(): SessionModuleOptions | Promise<SessionModuleOptions>;
}

/** @internal Options after defaults and validation: what the rest of the module reads. */
export interface ResolvedSessionOptions {
  secrets: string[];
  name: string;
  cookieTransport: boolean;
  headerTransport: boolean;
  /** Lower-case, as Node exposes incoming header names. */
  headerName: string;
  cookie: {
    path: string;
    domain: string | undefined;
    httpOnly: boolean;
    secure: boolean | 'auto';
    sameSite: 'lax' | 'strict' | 'none' | boolean;
    partitioned: boolean | undefined;
    priority: 'low' | 'medium' | 'high' | undefined;
  };
  maxAge: number;
  absoluteMaxAge: number;
  rolling: boolean;
  requestContext: boolean;
  loadEarly: boolean;
  touchAfter: number;
  saveUninitialized: boolean;
  genid: (() => string) | undefined;
  fingerprint: ((req: SessionRequest) => string) | undefined;
  maxBytes: number;
  ownerKey: string;
  storeTimeout: number;
}
