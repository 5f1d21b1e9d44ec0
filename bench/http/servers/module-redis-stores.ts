import { Redis } from 'ioredis';
import { CachedStore, RedisStore, recommendedRedisOptions, type SessionStore } from '../../../lib/index.js';
import type { Variant } from '../variants.js';
import { benchRedisPort } from './redis-client.js';

/** A connection made the way the README recommends for the Redis stores. */
function connect(): Redis {
  return new Redis({ host: '127.0.0.1', port: benchRedisPort(), ...recommendedRedisOptions });
}

async function quit(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * RedisStore, or CachedStore in front of it with a subscriber connection for
 * invalidations (as in a multi-process deployment), on the bench's Redis.
 */
export async function redisStoreFor(variant: Variant): Promise<{ store: SessionStore; release: () => Promise<void> }> {
  const client = connect();
  const inner = new RedisStore({ client, prefix: `bench:${variant.platform}:` });
  if (variant.store === 'redis') return { store: inner, release: () => quit(client) };
  const subscriber = connect();
  const store = new CachedStore(inner, { maxSize: 100_000, ttl: 60_000, subscriber });
  return { store, release: async () => void (await Promise.all([quit(subscriber), quit(client)])) };
}
