import type { INestApplication } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TestingModule } from '@nestjs/testing';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import { CachedStore, ExpressStoreAdapter, MemoryStore, RedisStore, type SessionStore } from '../../lib/index.js';
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

/** RedisStore on the shared real Redis, under a prefix of its own, deleted afterwards. */
const redis: StoreVariant = {
  name: 'RedisStore',
  async create() {
    const client = await connectRedisClient();
    const prefix = uniquePrefix('e2e');
    const store = new RedisStore({ client, prefix });
    return {
      store,
      async cleanup() {
        await deleteByPrefix(client, prefix);
        await client.quit();
      },
    };
  },
};

/** connect-redis 8.1 (an express-session store) through ExpressStoreAdapter, on the same real Redis. */
const connectRedis: StoreVariant = {
  name: 'connect-redis via ExpressStoreAdapter',
  async create() {
    const client = await connectRedisClient();
    const prefix = uniquePrefix('connect-redis');
    const store = new ExpressStoreAdapter(new ConnectRedisStore({ client, prefix }));
    return {
      store,
      async cleanup() {
        await deleteByPrefix(client, prefix);
        await client.quit();
      },
    };
  },
};

/** CachedStore in front of RedisStore, kept coherent through its own subscriber connection. */
const cached: StoreVariant = {
  name: 'CachedStore(RedisStore)',
  async create() {
    const client = await connectRedisClient();
    const subscriber = await connectRedisClient();
    const prefix = uniquePrefix('cached');
    const store = new CachedStore(new RedisStore({ client, prefix }), { maxSize: 1_000, ttl: 5_000, subscriber });
    await waitUntil(() => store.isCaching);
    return {
      store,
      async cleanup() {
        await store.close();
        await deleteByPrefix(client, prefix);
        await Promise.all([client.quit(), subscriber.quit()]);
      },
    };
  },
};

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
