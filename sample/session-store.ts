import { Redis } from 'ioredis';
import { MemoryStore, recommendedRedisOptions, RedisStore, type SessionStore } from '../lib/index.js';

/**
 * The sample's session store, one per app instance: RedisStore when
 * `REDIS_URL` is set (sessions outlive restarts and are shared by every
 * instance of the app; keys under `SESSION_PREFIX`), MemoryStore otherwise.
 */
export function createSessionStore(redisUrl = process.env.REDIS_URL): SessionStore {
  if (!redisUrl) return new MemoryStore({ maxSize: 10_000 });
  const client = new Redis(redisUrl, recommendedRedisOptions);
  const store = new RedisStore({ client, prefix: process.env.SESSION_PREFIX ?? 'nest-sessions-sample:' });
  // RedisStore never closes a client it is given. This one is the sample's own,
  // and SessionModule calls store.close() when the app shuts down: quit it there.
  return Object.assign(store, {
    close: async (): Promise<void> => {
      await client.quit();
    },
  });
}
