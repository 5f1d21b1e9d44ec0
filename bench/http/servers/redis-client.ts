import { Redis } from 'ioredis';

/** The port of the bench's own redis-server, given to each server process. */
export function benchRedisPort(): number {
  const port = Number(process.env.BENCH_REDIS_PORT);
  if (!Number.isInteger(port) || port <= 0) throw new Error('BENCH_REDIS_PORT is not set');
  return port;
}

/** A new ioredis connection to the bench's Redis, on loopback only. */
export function benchRedis(): Redis {
  return new Redis({ host: '127.0.0.1', port: benchRedisPort(), maxRetriesPerRequest: 1 });
}
