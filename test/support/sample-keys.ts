import { afterAll, beforeAll } from '@jest/globals';
import { connectRedis, deleteByPrefix, uniquePrefix } from './redis.js';

/**
 * The sample runs on RedisStore when REDIS_URL is set (as in CI). Give this
 * test file's sample apps a key prefix of their own, and delete its keys
 * afterwards. Call it before the hooks that create the app.
 */
export function isolateSampleKeys(): void {
  const prefix = uniquePrefix('sample');
  beforeAll(() => {
    process.env.SESSION_PREFIX = prefix;
  });
  afterAll(async () => {
    delete process.env.SESSION_PREFIX;
    if (!process.env.REDIS_URL) return;
    const client = await connectRedis(process.env.REDIS_URL);
    await deleteByPrefix(client, prefix);
    await client.quit();
  });
}
