import {
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type LoggerService,
  type NestModule,
  type OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { SessionHttpHooks } from './lifecycle/http-hooks.js';
import { SessionInterceptor } from './lifecycle/session.interceptor.js';
import { SessionRuntime } from './lifecycle/session-runtime.js';
import { StoreGateway } from './lifecycle/store-gateway.js';
import { RESOLVED_SESSION_OPTIONS, SESSION_LOGGER } from './session.constants.js';
import {
  SESSION_ASYNC_OPTIONS_TYPE,
  SESSION_MODULE_OPTIONS,
  SESSION_OPTIONS_TYPE,
  SessionConfigurableModule,
} from './session.module-definition.js';
import { resolveSessionOptions } from './session.options-resolver.js';
import type { ResolvedSessionOptions, SessionModuleOptions } from './session.options.js';
import { SessionService } from './session.service.js';
import { answersInProcess, MemoryStore } from './stores/memory.store.js';
import { localCopyOf } from './stores/cached.store.js';
import { SessionStore } from './stores/session-store.js';
import { WsHandshakeCapture } from './transport/ws-exchange.js';

function isStoreInstance(store: unknown): store is SessionStore {
  return (
    store instanceof SessionStore ||
    (typeof store === 'object' && store !== null && typeof (store as SessionStore).get === 'function')
  );
}

const providers: Provider[] = [
  {
    provide: RESOLVED_SESSION_OPTIONS,
    useFactory: resolveSessionOptions,
    inject: [SESSION_MODULE_OPTIONS],
  },
  {
    provide: SESSION_LOGGER,
    useFactory: (options: SessionModuleOptions): LoggerService | null =>
      options.logger === false ? null : (options.logger ?? new Logger('SessionModule')),
    inject: [SESSION_MODULE_OPTIONS],
  },
  {
    // The abstract class is the token: `constructor(store: SessionStore)`.
    provide: SessionStore,
    useFactory: (options: SessionModuleOptions, logger: LoggerService | null): SessionStore => {
      const configured = options.store ?? MemoryStore;
      const store = isStoreInstance(configured) ? configured : new configured();
      if (store instanceof MemoryStore && process.env.NODE_ENV === 'production') {
        logger?.warn(
          'MemoryStore is running with NODE_ENV=production: sessions live in one process and vanish on restart. Use RedisStore.',
        );
      }
      return store;
    },
    inject: [SESSION_MODULE_OPTIONS, SESSION_LOGGER],
  },
  {
    provide: StoreGateway,
    useFactory: (store: SessionStore, options: ResolvedSessionOptions, logger: LoggerService | null) =>
      new StoreGateway(
        store,
        options.storeTimeout,
        logger,
        (operation) => answersInProcess(store, operation),
        localCopyOf(store),
      ),
    inject: [SessionStore, RESOLVED_SESSION_OPTIONS, SESSION_LOGGER],
  },
  SessionRuntime,
  SessionService,
  SessionInterceptor,
  SessionHttpHooks,
  WsHandshakeCapture,
  {
    // Global only with `rolling` (every presented session is refreshed, on
    // every route); Nest skips a global enhancer whose factory returns null.
    provide: APP_INTERCEPTOR,
    useFactory: (options: ResolvedSessionOptions, interceptor: SessionInterceptor): SessionInterceptor | null =>
      options.rolling ? interceptor : null,
    inject: [RESOLVED_SESSION_OPTIONS, SessionInterceptor],
  },
];

/**
 * Server-side sessions: registers the store (injectable as `SessionStore`),
 * `SessionService`, and the request hooks. Global, so import it once in the
 * root module.
 */
@Module({})
export class SessionModule extends SessionConfigurableModule implements NestModule, OnApplicationShutdown {
  /** @internal Built by Nest's injector. */
  constructor(
    @Inject(SessionStore) private readonly store: SessionStore,
    private readonly hooks: SessionHttpHooks,
  ) {
    super();
  }

  /** Runs before Nest registers routes: the platform hooks must come first. */
  configure(): void {
    this.hooks.install();
  }

  static forRoot(options: typeof SESSION_OPTIONS_TYPE): DynamicModule {
    return SessionModule.withProviders(super.forRoot(options));
  }

  static forRootAsync(options: typeof SESSION_ASYNC_OPTIONS_TYPE): DynamicModule {
    return SessionModule.withProviders(super.forRootAsync(options));
  }

  private static withProviders(base: DynamicModule): DynamicModule {
    return {
      ...base,
      global: true,
      providers: [...(base.providers ?? []), ...providers],
      // Nest builds the `@Session()` pipe and `@UseSession()`'s interceptor in the
      // modules of the handlers that use them: they need the runtime from there.
      exports: [SessionService, SessionStore, SessionRuntime],
    };
  }

  /** Stop the store's timers and connections it owns. */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close?.();
  }
}
