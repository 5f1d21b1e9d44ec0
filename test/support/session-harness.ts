import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import { SessionModule, type SessionStore, type SessionModuleOptions } from '../../lib/index.js';
import { adapterVariants, storeVariants, type AdapterVariant, type StoreVariant } from './variants.js';
import { LoggedInGuard, TestController } from './test-controller.js';

export const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
export const OLD_SECRET = 'an-older-secret-still-accepted-for-rotation-0001';

export interface Harness {
  app: INestApplication;
  server: Server;
  store: SessionStore;
  close(): Promise<void>;
}

export interface HarnessOptions {
  adapter: AdapterVariant;
  store: StoreVariant;
  options?: Partial<SessionModuleOptions>;
  controllers?: Type<unknown>[];
}

/** Compile SessionModule.forRoot(...) with the test controller on the given adapter and store. */
export async function createHarness({
  adapter,
  store: storeVariant,
  options,
  controllers,
}: HarnessOptions): Promise<Harness> {
  const made = await storeVariant.create();
  const moduleRef = await Test.createTestingModule({
    imports: [SessionModule.forRoot({ secret: SECRET, store: made.store, logger: false, ...options })],
    controllers: controllers ?? [TestController],
    providers: [LoggedInGuard],
  }).compile();
  const app = await adapter.create(moduleRef);
  await app.init();
  await adapter.ready?.(app);
  return {
    app,
    server: app.getHttpServer() as Server,
    store: made.store,
    async close() {
      await app.close();
      await made.cleanup();
    },
  };
}

/** Every adapter × store combination, for describe.each. */
export function matrix(): Array<[string, AdapterVariant, StoreVariant]> {
  return adapterVariants.flatMap((a) =>
    storeVariants().map((s): [string, AdapterVariant, StoreVariant] => [`${a.name} + ${s.name}`, a, s]),
  );
}
