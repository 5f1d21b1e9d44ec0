import { Redis, type RedisOptions } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { recommendedRedisOptions } from '../../lib/index.js';

/** The shared Redis the tests use (CI makes sure one answers there). */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A client with the options the README recommends, connected and ready. */
export async function connectRedis(url = REDIS_URL, extra: RedisOptions = {}): Promise<Redis> {
  const client = new Redis(url, { ...recommendedRedisOptions, lazyConnect: true, ...extra });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** A key prefix no other test file or run shares, so suites can run side by side and clean up exactly. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/** Delete every key under a prefix (SCAN, never KEYS). */
export async function deleteByPrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
