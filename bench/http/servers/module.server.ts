import { Module } from '@nestjs/common';
import { MemoryStore, SessionModule, type SessionStore } from '../../../lib/index.js';
import { SECRET } from '../payload.js';
import type { Variant } from '../variants.js';
import { nothingToRelease, type BuiltServer } from './built-server.js';
import { createApp } from './create-app.js';
import { ModuleController } from './module.controller.js';

/** The store of a variant, and what to release when the server stops. */
async function storeFor(variant: Variant): Promise<{ store: SessionStore; release: () => Promise<void> }> {
  if (variant.store === 'memory') return { store: new MemoryStore(), release: nothingToRelease };
  const { redisStoreFor } = await import('./module-redis-stores.js');
  return redisStoreFor(variant);
}

/** This module, `SessionModule.forRoot` with defaults but the store. */
export async function build(variant: Variant): Promise<BuiltServer> {
  const { store, release } = await storeFor(variant);

  @Module({
    imports: [SessionModule.forRoot({ secret: SECRET, store, logger: false })],
    controllers: [ModuleController],
  })
  class ModuleBenchModule {}

  return { app: await createApp(ModuleBenchModule, variant.platform), release };
}
