import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TestingModule } from '@nestjs/testing';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { CachedStore, ExpressStoreAdapter, MemoryStore, RedisStore, type SessionStore } from '../../lib/index.js';
import type { Redis } from 'ioredis';
import { connectRedis as connectRedisClient, deleteByPrefix, uniquePrefix } from './redis.js';

/**
 * The stores and platforms every shared e2e suite runs against. A new store
 * or adapter joins the whole suite by adding one entry here.
 */
export interface StoreVariant {
  name: string;
  create(): Promise<{ store: SessionStore; cleanup(): Promise<void> }>;
}

export interface AdapterVariant {
  name: string;
  create(moduleRef: TestingModule): Promise<INestApplication>;
  /** Wait until the platform can serve (Fastify's ready()). */
  ready?(app: INestApplication): Promise<void>;
}

const memory: StoreVariant = {
  name: 'MemoryStore',
  async create() {
    const store = new MemoryStore();
    return { store, cleanup: () => store.close() };
  },
};

/**
 * A store on the shared real Redis under a prefix of its own: its keys are
 * deleted and its connections closed afterwards. `make` gets the command
 * connection and the prefix; `extraConnections` more are opened for it.
 */
function onRedis(
  name: string,
  make: (client: Redis, prefix: string, extra: Redis[]) => Promise<SessionStore> | SessionStore,
  extraConnections = 0,
): StoreVariant {
  return {
    name,
    async create() {
      const client = await connectRedisClient();
      const extra = await Promise.all(Array.from({ length: extraConnections }, () => connectRedisClient()));
      const prefix = uniquePrefix(name.replace(/\W+/g, '-'));
      const store = await make(client, prefix, extra);
      return {
        store,
        async cleanup() {
          await store.close?.();
          await deleteByPrefix(client, prefix);
          await Promise.all([client, ...extra].map((c) => c.quit()));
        },
      };
    },
  };
}

const redis = onRedis('RedisStore', (client, prefix) => new RedisStore({ client, prefix }));

/** CachedStore in front of RedisStore, kept coherent through its own subscriber connection. */
const cached = onRedis(
  'CachedStore(RedisStore)',
  async (client, prefix, [subscriber]) => {
    const store = new CachedStore(new RedisStore({ client, prefix }), { maxSize: 1_000, ttl: 5_000, subscriber });
    await waitUntil(() => store.isCaching);
    return store;
  },
  1,
);

/** connect-redis 8.1 (an express-session store) through ExpressStoreAdapter. */
const connectRedis = onRedis(
  'connect-redis via ExpressStoreAdapter',
  (client, prefix) => new ExpressStoreAdapter(new ConnectRedisStore({ client, prefix })),
);

/** Poll a condition every 10 ms, for at most `ms`. */
export async function waitUntil(condition: () => boolean, ms = 2_000): Promise<void> {
  for (const end = Date.now() + ms; !condition();) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Store variants; a function so variants that need a server can be added conditionally. */
export function storeVariants(): StoreVariant[] {
  return [memory, redis, cached, connectRedis];
}

const express: AdapterVariant = {
  name: 'express',
  async create(moduleRef) {
    return moduleRef.createNestApplication({ logger: false });
  },
};

const fastify: AdapterVariant = {
  name: 'fastify',
  async create(moduleRef) {
    return moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
  },
  async ready(app) {
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  },
};

export const adapterVariants: AdapterVariant[] = [express, fastify];
