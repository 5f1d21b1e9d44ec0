import { RedisStore as ConnectRedisStore } from 'connect-redis';
import session from 'express-session';
import { Redis } from 'ioredis';
import {
  CachedStore,
  MemoryStore,
  RedisStore,
  recommendedRedisOptions,
  type SessionRecord,
  type SessionStore,
} from '../../lib/index.js';
import { counterPatch, TTL_MS } from './records.js';

export type StoreKind = 'memory' | 'redis' | 'cached' | 'express-memory' | 'connect-redis';

export const STORE_LABELS: Record<StoreKind, string> = {
  memory: 'MemoryStore',
  redis: 'RedisStore',
  cached: 'CachedStore(RedisStore)',
  'express-memory': 'express-session MemoryStore',
  'connect-redis': 'connect-redis 8 (ioredis)',
};

/** The store API the bench drives: the module's stores as they are, express-session stores promisified. */
export interface BenchStore {
  get(id: string): Promise<unknown>;
  set(id: string, value: unknown): Promise<void>;
  patch?(id: string, i: number, counter: number): Promise<unknown>;
  touch(id: string, value: unknown): Promise<void>;
  /** Hit/miss counters where the store has them. */
  stats?(): unknown;
  /** Resolves once the store serves from its cache (CachedStore: subscribed). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

export function connectBenchRedis(port: number): Redis {
  return new Redis({ host: '127.0.0.1', port, ...recommendedRedisOptions });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('store not ready in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function moduleStore(store: SessionStore, extra: Array<{ quit(): Promise<unknown> }>): BenchStore {
  const cached = store instanceof CachedStore ? store : undefined;
  return {
    get: (id) => store.get(id),
    set: (id, value) => store.set(id, value as SessionRecord, TTL_MS),
    patch: (id, i, counter) => store.patch!(id, counterPatch(i, counter), TTL_MS),
    touch: (id, value) => store.touch!(id, value as SessionRecord, TTL_MS),
    stats: () => cached?.stats(),
    ready: () => (cached ? until(() => cached.isCaching, 5_000) : Promise.resolve()),
    close: async () => {
      await store.close?.();
      await Promise.all(extra.map((c) => c.quit().catch(() => undefined)));
    },
  };
}

type Callback = (error?: unknown, value?: unknown) => void;
interface CallbackStore {
  get(id: string, cb: Callback): void;
  set(id: string, value: unknown, cb: Callback): void;
  touch?(id: string, value: unknown, cb: Callback): void;
}

function callbackStore(store: CallbackStore, extra: Array<{ quit(): Promise<unknown> }>): BenchStore {
  const call = (fn: (cb: Callback) => void) =>
    new Promise<unknown>((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));
  return {
    get: (id) => call((cb) => store.get(id, cb)),
    set: async (id, value) => void (await call((cb) => store.set(id, value, cb))),
    touch: async (id, value) => void (await call((cb) => store.touch!(id, value, cb))),
    ready: () => Promise.resolve(),
    close: async () => void (await Promise.all(extra.map((c) => c.quit().catch(() => undefined)))),
  };
}

/** A fresh store of a kind; the Redis ones on the bench's Redis under their own prefix. */
export function createStore(kind: StoreKind, redisPort: number, cacheSize = 200_000): BenchStore {
  switch (kind) {
    case 'memory':
      return moduleStore(new MemoryStore(), []);
    case 'redis': {
      const client = connectBenchRedis(redisPort);
      return moduleStore(new RedisStore({ client, prefix: 'sb:' }), [client]);
    }
    case 'cached': {
      const client = connectBenchRedis(redisPort);
      const subscriber = connectBenchRedis(redisPort);
      const store = new CachedStore(new RedisStore({ client, prefix: 'sb:' }), {
        maxSize: cacheSize,
        ttl: 600_000,
        subscriber,
      });
      return moduleStore(store, [subscriber, client]);
    }
    case 'express-memory':
      return callbackStore(new session.MemoryStore() as unknown as CallbackStore, []);
    case 'connect-redis': {
      const client = connectBenchRedis(redisPort);
      return callbackStore(new ConnectRedisStore({ client, prefix: 'cr:' }) as unknown as CallbackStore, [client]);
    }
  }
}
