import { Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { commitBeforeNestReplies } from './commit-hooks.js';
import { installEarlyLoad } from './early-load.js';
import { installPlatformHook, type HttpAdapterLike } from './platform-hook.js';
import { SessionRuntime } from './session-runtime.js';

/**
 * @internal Installs the HTTP hooks of one application, once, before Nest
 * registers its routes: the platform hook (platform-hook.ts) and the commit
 * before Nest's replies (commit-hooks.ts). Nothing without an HTTP adapter
 * (microservices, standalone contexts).
 */
@Injectable()
export class SessionHttpHooks implements OnApplicationShutdown {
  private installed = false;
  private loadsEarly = false;
  private restore: (() => void) | undefined;

  constructor(
    private readonly runtime: SessionRuntime,
    @Optional() private readonly host?: HttpAdapterHost,
  ) {
    // `loadEarly` must come before the app's own `app.use()` middleware, which
    // main.ts adds between NestFactory.create() (which builds this provider,
    // the adapter known) and init. A testing module learns its adapter later:
    // then at `install`, still before the routes.
    this.installEarlyLoad();
  }

  install(): void {
    this.installEarlyLoad();
    const adapter = this.adapter();
    if (this.installed || !adapter) return;
    this.installed = true;
    installPlatformHook(adapter, this.runtime);
    this.restore = commitBeforeNestReplies(adapter, this.runtime);
  }

  private installEarlyLoad(): void {
    const adapter = this.adapter();
    if (this.loadsEarly || !adapter || !this.runtime.options.loadEarly) return;
    this.loadsEarly = true;
    installEarlyLoad(adapter, this.runtime);
  }

  private adapter(): (HttpAdapterLike & object) | undefined {
    return this.host?.httpAdapter as (HttpAdapterLike & object) | undefined;
  }

  onApplicationShutdown(): void {
    this.restore?.();
    this.restore = undefined;
  }
}
