import { Injectable, Optional, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { commitBeforeNestReplies } from './commit-hooks.js';
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
  private restore: (() => void) | undefined;

  constructor(
    private readonly runtime: SessionRuntime,
    @Optional() private readonly host?: HttpAdapterHost,
  ) {}

  install(): void {
    const adapter = this.host?.httpAdapter as (HttpAdapterLike & object) | undefined;
    if (this.installed || !adapter) return;
    this.installed = true;
    installPlatformHook(adapter, this.runtime);
    this.restore = commitBeforeNestReplies(adapter, this.runtime);
  }

  onApplicationShutdown(): void {
    this.restore?.();
    this.restore = undefined;
  }
}
