import type { RedisClientLike } from '../redis/redis-client.js';
import type { RedisSubscriberLike } from './invalidation-bus.js';

export interface CachedStoreOptions {
  /** Most sessions held in this process; the least recently used is dropped past it. */
  maxSize: number;
  /** Longest a local copy is served, ms, whatever else happens. */
  ttl: number;
  /**
   * An ioredis `Redis` (or, with a Cluster, `Cluster`) for invalidations from
   * the other processes. In front of a RedisStore, CachedStore opens its own
   * connection per node from it (`duplicate()`) and Redis reports every change
   * of a session key (CLIENT TRACKING); in front of another store, it
   * subscribes on it to the writers' messages (pub/sub). Without it the cache
   * is local only: other processes' changes show after `ttl` at worst.
   */
  subscriber?: RedisSubscriberLike;
  /**
   * A local copy is served only while this process holds proof, at most this
   * old, that every invalidation reached it: the bound on staleness after any
   * write, acknowledged, failed or timed out. Keep it under SessionModule's
   * `storeTimeout`. @default 1_000
   */
  maxStaleness?: number;
  /** PING each invalidation connection this often, ms; must be below `maxStaleness`. @default maxStaleness / 4 */
  pingInterval?: number;
  /** Pub/sub only (not a RedisStore): connection that publishes invalidations. */
  publisher?: RedisClientLike;
  /** Pub/sub only: channel; pub/sub ignores DB numbers, so name it per app and environment. @default `sess:invalidate` */
  channel?: string;
  /** Pub/sub only: identifies this process's own messages, which it ignores. @default random */
  instanceId?: string;
  /** Drop the whole local cache this often, ms; 0 = never. @default 0 */
  clearInterval?: number;
}

/** The local-cache options, checked: whole numbers, `maxSize` and `ttl` above 0. */
export function checkCacheOptions(options: CachedStoreOptions | undefined): {
  maxSize: number;
  ttl: number;
  clearInterval: number;
} {
  const { maxSize, ttl, clearInterval = 0 } = options ?? ({} as Partial<CachedStoreOptions>);
  const check = (name: string, value: unknown, zeroOk: boolean): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || (!zeroOk && value === 0)) {
      throw new TypeError(`CachedStore: option "${name}" must be a whole number ${zeroOk ? '>= 0' : '> 0'}`);
    }
    return value;
  };
  return {
    maxSize: check('maxSize', maxSize, false),
    ttl: check('ttl', ttl, false),
    clearInterval: check('clearInterval', clearInterval, true),
  };
}
