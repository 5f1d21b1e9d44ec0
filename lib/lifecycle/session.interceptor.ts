import {
  Injectable,
  Optional,
  type CallHandler,
  type ExecutionContext,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost, LazyModuleLoader, ModuleRef, ModulesContainer } from '@nestjs/core';
import { Observable, type Observer, type Subscriber, type Subscription } from 'rxjs';
import { exchangeFromContext, type PlatformRequest } from '../transport/http-exchange.js';
import { handshakeOf } from '../transport/ws-exchange.js';
import { SessionService } from '../session.service.js';
import type { Session } from '../session.js';
import { commitAtSend } from './commit-at-send.js';
import { commitBeforeReply } from './commit-before-reply.js';
import { enterRequestContext, exchangeOf } from './request-context-hook.js';
import { isInjectedAnywhere } from './context-need.js';
import { runInRequest } from './current-request.js';
import { stateOf, type RequestState } from './request-state.js';
import { addRouteOwner, bindSessionRoutes, cameThrough, removeRouteOwner, type RouteOwner } from './route-binding.js';
import { routeUsage } from './route-usage.js';
import { SessionRuntime } from './session-runtime.js';

/**
 * The request lifecycle. Before the handler: hydrate the session, but only
 * when the handler asks for it (a route that never touches the session costs
 * no store call). After it — also when it throws — commit, so the cookie is
 * on the response before Nest sends it.
 *
 * Registered globally (`APP_INTERCEPTOR`) when any route may reach the
 * session without declaring `@Session()`: SessionService (or ModuleRef, or a
 * lazily loaded module) is injected somewhere, or `rolling` refreshes every
 * presented session. Otherwise no interceptor runs on HTTP routes: the
 * `@Session()` pipe hydrates through `hydrateParameter`, and the commit
 * happens just before Nest replies (see route-binding.ts); this class is then
 * bound only to gateway handlers, SSE handlers and Nest's own `@Session()`.
 *
 * Gateway messages (`ws`) get the same treatment per message, with the
 * session of the socket's handshake; their changes are saved, but no cookie
 * can be sent over a socket.
 */
@Injectable()
export class SessionInterceptor implements RouteOwner, OnModuleInit, OnApplicationShutdown {
  /** Registered as a global interceptor (only with `rolling`, which must see every route). */
  readonly everyRoute: boolean;
  /**
   * Whether HTTP handlers run in the request's async context, which only
   * SessionService calls without a session argument need. Entering it costs
   * every request (on Node 20 it turns on promise hooks for the whole
   * process), so it is skipped when nothing in the application injects
   * SessionService.
   */
  private readonly injected: boolean;
  /**
   * SessionService may be reached without injection (ModuleRef, a lazily
   * loaded module): the context hook is installed, and turned on once such a
   * call finds no request (`runtime.contextWanted`).
   */
  private readonly reachable: boolean;
  /** The classes whose `@Session()` handlers this application serves without a global interceptor. */
  private readonly bound: Set<Function> = new Set();
  private restoreAdapter: (() => void) | undefined;
  private hooked = false;

  constructor(
    private readonly runtime: SessionRuntime,
    @Optional() modules?: ModulesContainer,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {
    // Built after Nest scanned every module and before it builds routes and gateways.
    this.injected = modules ? isInjectedAnywhere(modules, SessionService) : true;
    this.reachable = this.injected || (!!modules && isInjectedAnywhere(modules, ModuleRef, LazyModuleLoader));
    this.everyRoute = !modules || runtime.options.rolling;
    runtime.interceptsEveryRoute = this.everyRoute;
    if (!this.everyRoute && modules) {
      this.bound = bindSessionRoutes(modules, this.reachable);
      addRouteOwner(this);
    }
  }

  /**
   * Before Nest registers its routes (SessionModule's `configure`): without
   * a global interceptor, commit just before Nest replies, and enter the
   * request's async context from a platform hook where SessionService can
   * be called. Also run from `onModuleInit`, for the commit, should no
   * `configure` have run.
   */
  beforeRoutes(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (this.everyRoute || this.hooked || !adapter) return;
    this.hooked = true;
    this.restoreAdapter = commitBeforeReply(adapter, this.runtime);
    if (this.reachable) {
      enterRequestContext(
        adapter,
        () => this.injected || this.runtime.contextWanted,
        (request, response) => this.stateForContext(request, response),
      );
    }
  }

  onModuleInit(): void {
    this.beforeRoutes();
  }

  onApplicationShutdown(): void {
    removeRouteOwner(this);
    this.restoreAdapter?.();
    this.restoreAdapter = undefined;
  }

  /** The state of a request first asked for by a SessionService call: committed when replying. */
  private stateForContext(request: PlatformRequest, response: object): RequestState {
    const state = this.runtime.attach(exchangeOf(request, response));
    commitAtSend(this.runtime, state);
    return state;
  }

  /** For a `@Session()` parameter on a route without the interceptor: hydrate now, commit when replying. */
  hydrateParameter(ctx: ExecutionContext): Promise<Session> {
    const state = this.runtime.attach(exchangeFromContext(ctx));
    commitAtSend(this.runtime, state);
    return this.runtime.hydrate(state);
  }

  /** For the route dispatcher: a request or message of this application, to a bound handler. */
  owns(ctx: ExecutionContext): boolean {
    if (!this.bound.has(ctx.getClass())) return false;
    if (ctx.getType() !== 'http') return true;
    const platform: unknown = this.adapterHost?.httpAdapter?.getInstance();
    return platform === undefined || cameThrough(ctx.switchToHttp().getRequest<object>(), platform);
  }

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const type = ctx.getType();
    if (type === 'ws') return this.interceptMessage(ctx, next);
    if (type !== 'http') return next.handle();
    const usage = routeUsage(ctx.getClass(), ctx.getHandler());
    const context = this.injected || this.runtime.contextWanted;
    if (!context && !usage.usesSession && this.nothingToDo(ctx.switchToHttp().getRequest<object>())) {
      // Nothing can reach this request's session: no state, no context, no commit.
      return next.handle();
    }
    const state = this.runtime.attach(exchangeFromContext(ctx));
    // `rolling` refreshes every presented session, so it must be loaded.
    const hydrate = usage.usesSession || (this.runtime.options.rolling && state.token !== null);
    if (usage.ownsResponse) {
      // The handler sends the response itself: commit when it sends.
      commitAtSend(this.runtime, state);
      return this.handle(state, hydrate, false, context, next);
    }
    state.committedBeforeSend = true;
    return this.handle(state, hydrate, true, context, next);
  }

  /**
   * For a route that does not use the session, in an app where no handler
   * can reach SessionService: true when the request presents no cookie or
   * token (a presented one is still verified, so rejected tokens are counted)
   * and no guard loaded its session.
   */
  private nothingToDo(request: object): boolean {
    if (stateOf(request)?.loading) return false;
    const headers = ((request as { headers?: Record<string, unknown> }).headers ?? {}) as Record<string, unknown>;
    const { options } = this.runtime;
    if (options.cookieTransport && headers.cookie !== undefined) return false;
    return !(options.headerTransport && headers[options.headerName] !== undefined);
  }

  /** A gateway message: hydrate from the handshake when the handler asks, save what it changed. */
  private interceptMessage(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const usage = routeUsage(ctx.getClass(), ctx.getHandler());
    // Without a known handshake only handlers that need the session fail (with a clear error).
    if (!usage.usesSession && !handshakeOf(ctx.switchToWs().getClient())) return next.handle();
    const state = this.runtime.attach(exchangeFromContext(ctx));
    return this.handle(state, usage.usesSession, true, true, next);
  }

  /**
   * The handler's result: subscribed to inside the request's async context,
   * after hydration when `hydrate`, and when `commit`, emitted only after the
   * session is committed (also when the handler throws).
   *
   * Hand-written rather than composed from rxjs operators: this runs on every
   * request, and a route that never touches the session (nothing hydrated by
   * the time the handler is done) passes its result straight through.
   */
  private handle(
    state: RequestState,
    hydrate: boolean,
    commit: boolean,
    context: boolean,
    next: CallHandler,
  ): Observable<unknown> {
    const runtime = this.runtime;
    return new Observable<unknown>((subscriber) => {
      let inner: Subscription | undefined;
      const subscribe = (): void => {
        if (subscriber.closed) return;
        inner = next.handle().subscribe(commit ? committing(runtime, state, subscriber) : subscriber);
      };
      const start = (): void => {
        if (hydrate) runtime.hydrate(state).then(subscribe, (error: unknown) => subscriber.error(error));
        else subscribe();
      };
      if (context) runInRequest(state, start);
      else start();
      return () => inner?.unsubscribe();
    });
  }
}

/**
 * The observer that commits before passing on each value and the error of
 * the handler. Values keep their order; a failed commit ends the stream with
 * the store's error, and a handler's error is passed on after the commit (or
 * replaced by the commit's own error). When committing would do nothing (no
 * session loaded, or an unchanged one), the result passes straight through.
 */
function committing(runtime: SessionRuntime, state: RequestState, subscriber: Subscriber<unknown>): Observer<unknown> {
  let pending: Promise<void> | undefined;
  let failed = false;
  const fail = (error: unknown): void => {
    failed = true;
    subscriber.error(error);
  };
  return {
    next(value: unknown): void {
      if (!pending && runtime.idle(state)) {
        subscriber.next(value);
        return;
      }
      pending = (pending ?? Promise.resolve())
        .then(() => (failed ? undefined : runtime.commit(state)))
        .then(() => {
          if (!failed) subscriber.next(value);
        }, fail);
    },
    error(error: unknown): void {
      if (runtime.idle(state)) {
        subscriber.error(error);
        return;
      }
      runtime.commit(state).then(() => subscriber.error(error), fail);
    },
    complete(): void {
      if (!pending) subscriber.complete();
      else
        void pending.then(() => {
          if (!failed) subscriber.complete();
        });
    },
  };
}
