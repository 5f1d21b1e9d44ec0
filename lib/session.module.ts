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
import { SessionInterceptor } from './lifecycle/session.interceptor.js';
import { SessionRuntime } from './lifecycle/session-runtime.js';
import { RESOLVED_SESSION_OPTIONS, SESSION_LOGGER } from './session.constants.js';
import {
  SESSION_ASYNC_OPTIONS_TYPE,
  SESSION_MODULE_OPTIONS,
  SESSION_OPTIONS_TYPE,
  SessionConfigurableModule,
} from './session.module-definition.js';
import { resolveSessionOptions } from './session.options-resolver.js';
import type { SessionModuleOptions } from './session.options.js';
import { SessionService } from './session.service.js';
import { MemoryStore } from './stores/memory.store.js';
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
  SessionRuntime,
  SessionService,
  SessionInterceptor,
  WsHandshakeCapture,
  {
    // Global only with `rolling` (every presented session is refreshed, on
    // every route); otherwise sessions are hooked in per route (see
    // route-binding.ts), and Nest skips a global enhancer whose factory returns null.
    provide: APP_INTERCEPTOR,
    useFactory: (interceptor: SessionInterceptor): SessionInterceptor | null =>
      interceptor.everyRoute ? interceptor : null,
    inject: [SessionInterceptor],
  },
];

/**
 * Server-side sessions: registers the store (injectable as `SessionStore`),
 * `SessionService` and the global interceptor. Global, so import it once in
 * the root module.
 */
@Module({})
export class SessionModule extends SessionConfigurableModule implements NestModule, OnApplicationShutdown {
  constructor(
    @Inject(SessionStore) private readonly store: SessionStore,
    private readonly interceptor: SessionInterceptor,
  ) {
    super();
  }

  /** Runs before Nest registers routes: the platform hooks must come first. */
  configure(): void {
    this.interceptor.beforeRoutes();
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
      exports: [SessionService, SessionStore],
    };
  }

  /** Stop the store's timers and connections it owns. */
  async onApplicationShutdown(): Promise<void> {
    await this.store.close?.();
  }
}
