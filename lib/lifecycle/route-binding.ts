import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { MetadataScanner, type ModulesContainer } from '@nestjs/core';
import type { Session } from '../session.js';
import { routeUsage } from './route-usage.js';

/**
 * Sessions for the routes that declare `@Session()` only, without a global
 * interceptor.
 *
 * Nest runs any interceptor through rxjs `defer`/`mergeAll`, an
 * `AsyncResource` and a promise per request: a global interceptor that does
 * nothing still costs every route tens of microseconds. When no route can
 * reach the session except through `@Session()` (nothing injects
 * SessionService, `rolling` is off), the module registers no global
 * interceptor. An HTTP handler's `@Session()` parameter is hydrated by its
 * pipe (which Nest awaits before the handler), and the session is committed
 * just before Nest replies (`commitBeforeReply`, or `commitAtSend` for
 * `@Res()` handlers). The interceptor itself is bound only where a pipe is
 * not enough: gateway messages, Server-Sent Events, and Nest's own
 * `@Session()`.
 *
 * Handler metadata is shared by every application built from the same
 * controller class (tests build many). So what is bound is one dispatcher,
 * and both it and the pipe hand each request to the application that owns it.
 */

/** Nest's keys (`@nestjs/common` and `@nestjs/websockets` constants), spelled out as they are not public API. */
const INTERCEPTORS_METADATA = '__interceptors__';
const GATEWAY_METADATA = 'websockets:is_gateway';
const SSE_METADATA = '__sse__';
const MESSAGE_MAPPING_METADATA = 'websockets:message_mapping';

/** An application's session interceptor, as the dispatcher and the pipe see it. */
export interface RouteOwner extends NestInterceptor {
  /** Whether the request or message in `ctx` belongs to this owner's application. */
  owns(ctx: ExecutionContext): boolean;
  /** Hydrate the session of an HTTP request for a `@Session()` parameter, and arrange its commit. */
  hydrateParameter(ctx: ExecutionContext): Promise<Session>;
}

const owners = new Set<RouteOwner>();

/** The one interceptor instance bound to session routes, in every application. */
export const sessionRouteDispatcher: NestInterceptor = {
  intercept(ctx: ExecutionContext, next: CallHandler) {
    for (const owner of owners) if (owner.owns(ctx)) return owner.intercept(ctx, next);
    // An application without (or after closing) SessionModule: nothing to do.
    return next.handle();
  },
};

/** For the `@Session()` pipe: the session of the request in `ctx`, or undefined when no application owns it. */
export function hydrateForParameter(ctx: ExecutionContext): Promise<Session> | undefined {
  for (const owner of owners) if (owner.owns(ctx)) return owner.hydrateParameter(ctx);
  return undefined;
}

export function addRouteOwner(owner: RouteOwner): void {
  owners.add(owner);
}

export function removeRouteOwner(owner: RouteOwner): void {
  owners.delete(owner);
}

/**
 * Find every controller and gateway handler that declares `@Session()`,
 * before Nest builds its routes, and bind the dispatcher to those that need
 * the interceptor (it runs first among the handler's own interceptors,
 * after global and class-level ones). Returns the classes of all of them, by
 * which an owner recognises its requests.
 */
export function bindSessionRoutes(modules: ModulesContainer, everyGatewayHandler: boolean): Set<Function> {
  const scanner = new MetadataScanner();
  const bound = new Set<Function>();
  for (const module of modules.values()) {
    const classes = [...module.controllers.values()].map((w) => w.metatype);
    for (const wrapper of module.providers.values()) {
      if (typeof wrapper.metatype === 'function' && Reflect.getMetadata(GATEWAY_METADATA, wrapper.metatype)) {
        classes.push(wrapper.metatype);
      }
    }
    for (const type of classes) {
      if (typeof type !== 'function' || !type.prototype) continue;
      const gateway = Boolean(Reflect.getMetadata(GATEWAY_METADATA, type));
      for (const name of scanner.getAllMethodNames(type.prototype as object)) {
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const usage = routeUsage(type, handler);
        // Where SessionService can be called, every message handler gets the session's context.
        if (gateway && everyGatewayHandler && Reflect.getMetadata(MESSAGE_MAPPING_METADATA, handler)) {
          bind(handler);
          bound.add(type);
        }
        if (!usage.usesSession) continue;
        if (gateway || usage.nestSession || Reflect.getMetadata(SSE_METADATA, handler)) bind(handler);
        bound.add(type);
      }
    }
  }
  return bound;
}

function bind(handler: Function): void {
  const existing = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[];
  if (existing.includes(sessionRouteDispatcher)) return;
  Reflect.defineMetadata(INTERCEPTORS_METADATA, [sessionRouteDispatcher, ...existing], handler);
}

/**
 * Whether an HTTP request came through `platform` (the application's Express
 * app or Fastify instance): Express sets `req.app`; a Fastify request's
 * `server` is the instance of its encapsulation context, which inherits from
 * the root instance by prototype.
 */
export function cameThrough(request: object, platform: unknown): boolean {
  const { app, server } = request as { app?: object; server?: object };
  let origin: object | null | undefined = app ?? server;
  for (let depth = 0; origin && depth < 16; depth++) {
    if (origin === platform) return true;
    origin = Object.getPrototypeOf(origin) as object | null;
  }
  return false;
}
