import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import { MetadataScanner, type ModulesContainer } from '@nestjs/core';
import { routeUsage } from './route-usage.js';

/**
 * Binding the session interceptor to the routes that use the session only.
 *
 * Nest runs any interceptor through rxjs `defer`/`mergeAll`, an
 * `AsyncResource` and a promise per request: a global interceptor that does
 * nothing still costs every route tens of microseconds. When no route can
 * reach the session except through `@Session()` (nothing injects
 * SessionService, `rolling` is off), the module binds its interceptor to the
 * handlers that declare `@Session()` instead, and leaves every other route
 * untouched. A guard that loads the session on such a route gets it
 * committed when the response is sent (`commitAtSend`).
 *
 * The binding is metadata on the handler function, which every application
 * built from the same controller class shares (tests build many). So what is
 * bound is one dispatcher, and it hands each request to the interceptor of
 * the application that owns it.
 */

/** Nest's keys (`@nestjs/common` and `@nestjs/websockets` constants), spelled out as they are not public API. */
const INTERCEPTORS_METADATA = '__interceptors__';
const GATEWAY_METADATA = 'websockets:is_gateway';

/** An application's session interceptor, as the dispatcher sees it. */
export interface RouteOwner extends NestInterceptor {
  /** Whether the request or message in `ctx` belongs to this owner's application. */
  owns(ctx: ExecutionContext): boolean;
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

export function addRouteOwner(owner: RouteOwner): void {
  owners.add(owner);
}

export function removeRouteOwner(owner: RouteOwner): void {
  owners.delete(owner);
}

/**
 * Bind the dispatcher to every controller and gateway handler that declares
 * `@Session()`, before Nest builds its routes. Returns the classes of those
 * handlers, by which an owner recognises its requests. It runs first among
 * the handler's own interceptors (after global and class-level ones).
 */
export function bindSessionRoutes(modules: ModulesContainer): Set<Function> {
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
      for (const name of scanner.getAllMethodNames(type.prototype as object)) {
        const handler = (type.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function' || !routeUsage(type, handler).usesSession) continue;
        bind(handler);
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
