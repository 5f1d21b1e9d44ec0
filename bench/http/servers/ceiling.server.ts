import { Module } from '@nestjs/common';
import type { Variant } from '../variants.js';
import { nothingToRelease, type BuiltServer } from './built-server.js';
import { CeilingController } from './ceiling.controller.js';
import { createApp } from './create-app.js';

@Module({ controllers: [CeilingController] })
class CeilingModule {}

/** Nest with no session at all. */
export async function build(variant: Variant): Promise<BuiltServer> {
  return { app: await createApp(CeilingModule, variant.platform), release: nothingToRelease };
}
