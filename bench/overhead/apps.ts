import { Injectable, Module } from '@nestjs/common';
import { MemoryStore, SessionModule, SessionService } from '../../lib/index.js';
import { SECRET } from '../http/payload.js';
import { variantById, type Platform } from '../http/variants.js';
import { buildServer } from '../http/servers/index.js';
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
async function buildWithSessionService(platform: Platform): Promise<BuiltServer> {
  @Module({
    imports: [SessionModule.forRoot({ secret: SECRET, store: new MemoryStore(), logger: false, requestContext: true })],
    controllers: [ModuleController],
    providers: [AccountService],
  })
  class InjectedBenchModule {}
  return { app: await createApp(InjectedBenchModule, platform), release: nothingToRelease };
}

/** One app of the in-process bench. */
export interface OverheadApp {
  variant: string;
  label: string;
  /** Platforms it runs on. */
  platforms: readonly Platform[];
  /** Talks to the bench's Redis: its Redis CPU and commands are measured too. */
  redis: boolean;
  /** The peer it is compared with (same platform, same kind of store); absent for peers and the ceiling. */
  peer?: Partial<Record<Platform, string>>;
  build(platform: Platform): Promise<BuiltServer>;
}

/** An app the HTTP bench also runs (variant id, `<platform>-` put in front when asked): the same server code. */
function like(id: string, perPlatform = true): (platform: Platform) => Promise<BuiltServer> {
  return (platform) => buildServer(variantById(perPlatform ? `${platform}-${id}` : id));
}

const BOTH = ['express', 'fastify'] as const;
const MEMORY_PEER = { express: 'express-session-memory', fastify: 'fastify-session-memory' };
const REDIS_PEER = { express: 'express-session-redis', fastify: 'fastify-session-redis' };

/** Every app, in the order they are measured; each in its own process beside the ceiling. */
export const OVERHEAD_APPS: readonly OverheadApp[] = [
  { variant: 'ceiling', label: 'no sessions (ceiling)', platforms: BOTH, redis: false, build: like('ceiling') },
  {
    variant: 'module-memory',
    label: 'nest-sessions MemoryStore',
    platforms: BOTH,
    redis: false,
    peer: MEMORY_PEER,
    build: like('module-memory'),
  },
  {
    variant: 'module-memory-service',
    label: 'the same + a provider injecting SessionService, `requestContext: true`',
    platforms: BOTH,
    redis: false,
    peer: MEMORY_PEER,
    build: buildWithSessionService,
  },
  {
    variant: 'module-redis',
    label: 'nest-sessions RedisStore',
    platforms: BOTH,
    redis: true,
    peer: REDIS_PEER,
    build: like('module-redis'),
  },
  {
    variant: 'module-cached',
    label: 'nest-sessions CachedStore(RedisStore)',
    platforms: BOTH,
    redis: true,
    peer: REDIS_PEER,
    build: like('module-cached'),
  },
  {
    variant: 'express-session-memory',
    label: 'express-session MemoryStore',
    platforms: ['express'],
    redis: false,
    build: like('express-session-memory', false),
  },
  {
    variant: 'express-session-redis',
    label: 'express-session + connect-redis',
    platforms: ['express'],
    redis: true,
    build: like('express-session-redis', false),
  },
  {
    variant: 'fastify-session-memory',
    label: '@fastify/session MemoryStore',
    platforms: ['fastify'],
    redis: false,
    build: like('fastify-session-memory', false),
  },
  {
    variant: 'fastify-session-redis',
    label: '@fastify/session + connect-redis',
    platforms: ['fastify'],
    redis: true,
    build: like('fastify-session-redis', false),
  },
];

export function overheadApp(variant: string): OverheadApp {
  const app = OVERHEAD_APPS.find((a) => a.variant === variant);
  if (!app) throw new Error(`unknown overhead app ${variant}`);
  return app;
}
