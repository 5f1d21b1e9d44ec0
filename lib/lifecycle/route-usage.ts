import type { ExecutionContext } from '@nestjs/common';

/**
 * What a route handler declares about the session, read once per handler
 * from Nest's parameter metadata and cached.
 *
 * The keys are Nest's own (`@nestjs/common` constants): `__routeArguments__`
 * holds the parameter decorators, `7` is its built-in `@Session()` and `1` its
 * `@Res()`, and `__responsePassthrough__` marks `@Res({ passthrough: true })`.
 * They are spelled out because `@nestjs/common/internal` is not public API.
 */
const ROUTE_ARGS_METADATA = '__routeArguments__';
const RESPONSE_PASSTHROUGH_METADATA = '__responsePassthrough__';
const NEST_SESSION_PARAM = '7:';
const NEST_RESPONSE_PARAM = '1:';
const NEST_NEXT_PARAM = '2:';

export interface RouteUsage {
  /** A parameter asks for the session: hydrate before the handler. */
  usesSession: boolean;
  /** The handler writes the response itself (`@Res()` without passthrough, or `@Next()`). */
  ownsResponse: boolean;
  /** Nest's own `@Session()` (reads `req.session`), which only the interceptor fills before the handler. */
  nestSession: boolean;
}

const cache = new WeakMap<Function, RouteUsage>();
const sessionFactories = new Set<unknown>();

/** @internal Register the factory of our `@Session()` so its parameters are recognised. */
export function registerSessionParamFactory(factory: unknown): void {
  sessionFactories.add(factory);
}

/**
 * Whether a global interceptor commits the session of the request in `ctx`
 * before Nest writes the result. When not (no global interceptor, a `@Res()`
 * handler, a raw request), a guard or middleware that loads the session
 * needs `commitAtSend`.
 */
export function committedBeforeSend(ctx: ExecutionContext | undefined, interceptsEveryRoute: boolean): boolean {
  if (!interceptsEveryRoute || !ctx || ctx.getType() !== 'http') return false;
  return !routeUsage(ctx.getClass(), ctx.getHandler()).ownsResponse;
}

export function routeUsage(controller: Function, handler: Function): RouteUsage {
  const cached = cache.get(handler);
  if (cached) return cached;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, handler.name) ?? {}) as Record<
    string,
    { factory?: unknown }
  >;
  let usesSession = false;
  let nestSession = false;
  let writesResponse = false;
  for (const [key, arg] of Object.entries(args)) {
    if (key.startsWith(NEST_SESSION_PARAM)) nestSession = true;
    if (nestSession || sessionFactories.has(arg.factory)) usesSession = true;
    if (key.startsWith(NEST_RESPONSE_PARAM) || key.startsWith(NEST_NEXT_PARAM)) writesResponse = true;
  }
  const passthrough = Boolean(Reflect.getMetadata(RESPONSE_PASSTHROUGH_METADATA, controller, handler.name));
  const usage = { usesSession, ownsResponse: writesResponse && !passthrough, nestSession };
  cache.set(handler, usage);
  return usage;
}
