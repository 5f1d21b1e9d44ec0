import { Injectable, Module } from '@nestjs/common';
import { MemoryStore, SessionModule, SessionService } from '../../lib/index.js';
import { SECRET } from '../http/payload.js';
import type { Platform } from '../http/variants.js';
import { createApp } from '../http/servers/create-app.js';
import { ModuleController } from '../http/servers/module.controller.js';
import type { BuiltServer } from '../http/servers/built-server.js';
import { nothingToRelease } from '../http/servers/built-server.js';

/**
 * What most applications have: a provider that injects SessionService (for
 * regenerate at login, "log out everywhere"), here with `requestContext: true`
 * so its methods work without a session argument (the platform hook then
 * runs every request in its async context).
 */
@Injectable()
class AccountService {
  constructor(readonly sessions: SessionService) {}
}

/** The bench's module app (MemoryStore, `@Session()` routes) plus a provider injecting SessionService, with `requestContext`. */
export async function buildWithSessionService(platform: Platform): Promise<BuiltServer> {
  @Module({
    imports: [SessionModule.forRoot({ secret: SECRET, store: new MemoryStore(), logger: false, requestContext: true })],
    controllers: [ModuleController],
    providers: [AccountService],
  })
  class InjectedBenchModule {}
  return { app: await createApp(InjectedBenchModule, platform), release: nothingToRelease };
}
