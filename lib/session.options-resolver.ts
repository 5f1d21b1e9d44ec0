import { SessionConfigError } from './session.exceptions.js';
import type {
  ResolvedSessionOptions,
  SessionModuleOptions,
  SessionRequest,
  SessionTransport,
} from './session.options.js';

const KNOWN_OPTIONS = new Set<string>([
  'secret',
  'store',
  'name',
  'transport',
  'headerName',
  'cookie',
  'maxAge',
  'absoluteMaxAge',
  'rolling',
  'requestContext',
  'loadEarly',
  'touchAfter',
  'saveUninitialized',
  'genid',
  'fingerprint',
  'maxBytes',
  'ownerKey',
  'storeTimeout',
  'logger',
]);
const KNOWN_COOKIE_OPTIONS = new Set<string>([
  'path',
  'domain',
  'httpOnly',
  'secure',
  'sameSite',
  'partitioned',
  'priority',
]);

/** RFC 6265 token: what a cookie or header name may contain. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A cookie path: starts with '/', no separators or control characters (CVE-2024-47764). */
const COOKIE_PATH = /^\/[^\s;,\x00-\x1f\x7f]*$/;
const COOKIE_DOMAIN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const MIN_SECRET_LENGTH = 32;
const DAY = 86_400_000;

function fail(option: string, problem: string): never {
  throw new SessionConfigError(option, problem);
}

function ms(option: string, value: unknown, fallback: number, allowZero = true): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    !Number.isInteger(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    fail(option, `must be a whole number of milliseconds ${allowZero ? '>= 0' : '> 0'} (got ${String(value)})`);
  }
  return value;
}

function bool(option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(option, 'must be true or false');
  return value;
}

function secrets(value: unknown): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) {
    fail('secret', 'is required: a string or a non-empty array of strings, each at least 32 characters');
  }
  list.forEach((s: unknown, i) => {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) {
      fail(
        'secret',
        `${list.length > 1 ? `entry ${i} ` : ''}must be a string of at least ${MIN_SECRET_LENGTH} characters`,
      );
    }
  });
  return list as string[];
}

function transports(value: unknown): Set<SessionTransport> {
  const list = value === undefined ? ['cookie'] : Array.isArray(value) ? value : [value];
  if (list.length === 0) fail('transport', "must name 'cookie', 'header' or both");
  for (const t of list) {
    if (t !== 'cookie' && t !== 'header')
      fail('transport', `must be 'cookie', 'header' or both (got ${JSON.stringify(t)})`);
  }
  return new Set(list as SessionTransport[]);
}

function cookieOptions(raw: SessionModuleOptions['cookie'], name: string): ResolvedSessionOptions['cookie'] {
  const c = raw ?? {};
  if (typeof c !== 'object') fail('cookie', 'must be an object');
  for (const key of Object.keys(c)) {
    if (!KNOWN_COOKIE_OPTIONS.has(key)) fail(`cookie.${key}`, 'is not a known cookie option');
  }
  const path = c.path ?? '/';
  if (typeof path !== 'string' || !COOKIE_PATH.test(path))
    fail('cookie.path', "must start with '/' and contain no spaces, ';', ',' or control characters");
  if (c.domain !== undefined && (typeof c.domain !== 'string' || !COOKIE_DOMAIN.test(c.domain))) {
    fail('cookie.domain', 'must be a plain host name (letters, digits, dots, hyphens)');
  }
  const secure = c.secure ?? false;
  if (secure !== true && secure !== false && secure !== 'auto') fail('cookie.secure', "must be true, false or 'auto'");
  const sameSite = c.sameSite ?? 'lax';
  if (![true, false, 'lax', 'strict', 'none'].includes(sameSite))
    fail('cookie.sameSite', "must be 'lax', 'strict', 'none' or a boolean");
  if (sameSite === 'none' && secure === false)
    fail('cookie.sameSite', "'none' needs cookie.secure true or 'auto' (browsers drop it otherwise)");
  if (c.priority !== undefined && !['low', 'medium', 'high'].includes(c.priority))
    fail('cookie.priority', "must be 'low', 'medium' or 'high'");
  // Cookie name prefixes are promises browsers enforce; refuse a setup that breaks them.
  if (name.startsWith('__Host-')) {
    if (secure !== true) fail('cookie.secure', 'must be true with a __Host- cookie name');
    if (c.domain !== undefined) fail('cookie.domain', 'must be unset with a __Host- cookie name');
    if (path !== '/') fail('cookie.path', "must be '/' with a __Host- cookie name");
  }
  if (name.startsWith('__Secure-') && secure !== true)
    fail('cookie.secure', 'must be true with a __Secure- cookie name');
  return {
    path,
    domain: c.domain,
    httpOnly: bool('cookie.httpOnly', c.httpOnly, true),
    secure,
    sameSite,
    partitioned: c.partitioned === undefined ? undefined : bool('cookie.partitioned', c.partitioned, false),
    priority: c.priority,
  };
}

/**
 * Apply defaults and validate, once, at startup. Every problem names its
 * option, so a typo fails the boot instead of weakening sessions silently.
 */
export function resolveSessionOptions(options: SessionModuleOptions): ResolvedSessionOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object with at least "secret"');
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) fail(key, 'is not a known option');
  }
  const name = options.name ?? 'sid';
  if (typeof name !== 'string' || !TOKEN.test(name))
    fail('name', "must be a cookie name: letters, digits and !#$%&'*+-.^_`|~ only");
  const headerName = options.headerName ?? 'x-session-token';
  if (typeof headerName !== 'string' || !TOKEN.test(headerName)) fail('headerName', 'must be a valid HTTP header name');
  const transport = transports(options.transport);
  const maxAge = ms('maxAge', options.maxAge, DAY);
  const absoluteMaxAge = ms('absoluteMaxAge', options.absoluteMaxAge, 0, false);
  const maxBytes = ms('maxBytes', options.maxBytes, 65_536, false);
  if (options.genid !== undefined && typeof options.genid !== 'function')
    fail('genid', 'must be a function returning an id');
  const fp = options.fingerprint;
  if (fp !== undefined && typeof fp !== 'boolean' && typeof fp !== 'function')
    fail('fingerprint', 'must be true, false or a function (req) => string');
  const ownerKey = options.ownerKey ?? 'userId';
  if (typeof ownerKey !== 'string' || ownerKey === '') fail('ownerKey', 'must be a non-empty string');
  if (options.logger !== undefined && options.logger !== false && typeof options.logger?.log !== 'function') {
    fail('logger', 'must be a Nest LoggerService or false');
  }
  return {
    secrets: secrets(options.secret),
    name,
    cookieTransport: transport.has('cookie'),
    headerTransport: transport.has('header'),
    headerName: headerName.toLowerCase(),
    cookie: cookieOptions(options.cookie, name),
    maxAge,
    absoluteMaxAge,
    rolling: bool('rolling', options.rolling, false),
    requestContext: bool('requestContext', options.requestContext, false),
    loadEarly: bool('loadEarly', options.loadEarly, false),
    touchAfter: ms('touchAfter', options.touchAfter, Math.floor(maxAge / 10)),
    saveUninitialized: bool('saveUninitialized', options.saveUninitialized, false),
    genid: options.genid,
    fingerprint: fp === true ? defaultFingerprint : fp === false || fp === undefined ? undefined : fp,
    maxBytes,
    ownerKey,
    storeTimeout: ms('storeTimeout', options.storeTimeout, 2_000, false),
  };
}

/**
 * IP (as the platform resolved it, trusted proxies included) and User-Agent.
 * IPv4-mapped IPv6 addresses are folded so `::ffff:1.2.3.4` equals `1.2.3.4`.
 */
export function defaultFingerprint(req: SessionRequest): string {
  const ip = (req.ip ?? req.socket?.remoteAddress ?? '').replace(/^::ffff:/, '');
  const ua = String(req.headers['user-agent'] ?? '').slice(0, 512);
  return `${ip}\n${ua}`;
}
