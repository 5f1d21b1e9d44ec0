import type { RedisClientLike } from '../redis/redis-client.js';
import { RedisStore } from '../redis.store.js';
import type { SessionStore } from '../session-store.js';
import { InvalidationBus, type RedisSubscriberLike } from './invalidation-bus.js';
import type { InvalidationFeed, InvalidationHandlers } from './invalidation-feed.js';
import { TrackingFeed, type TrackingSource } from './tracking-feed.js';

/** The invalidation options of CachedStore (see CachedStoreOptions for their meaning). */
export interface FeedOptions {
  subscriber?: RedisSubscriberLike;
  publisher?: RedisClientLike;
  channel?: string;
  instanceId?: string;
  maxStaleness?: number;
  pingInterval?: number;
}

/** Default staleness bound, ms: under SessionModule's default `storeTimeout` (2 s). */
export const DEFAULT_MAX_STALENESS = 1_000;

function wholeNumber(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TypeError(`CachedStore: option "${name}" must be a whole number >= ${min}`);
  }
  return value;
}

/**
 * The source of invalidations for a CachedStore, or undefined without a
 * subscriber (local cache only). In front of a RedisStore: Redis's own
 * tracking (TrackingFeed); in front of any other store: pub/sub between the
 * processes (InvalidationBus), which needs a publisher.
 */
export function createFeed(
  inner: SessionStore,
  options: FeedOptions,
  handlers: InvalidationHandlers,
): InvalidationFeed | undefined {
  const maxStaleness = wholeNumber('maxStaleness', options.maxStaleness ?? DEFAULT_MAX_STALENESS, 2);
  const pingInterval = wholeNumber('pingInterval', options.pingInterval ?? Math.floor(maxStaleness / 4), 1);
  if (pingInterval >= maxStaleness) {
    throw new TypeError('CachedStore: option "pingInterval" must be smaller than "maxStaleness"');
  }
  const { subscriber } = options;
  if (!subscriber) return undefined;
  const timing = { maxStaleness, pingInterval };
  if (inner instanceof RedisStore) {
    for (const name of ['publisher', 'channel', 'instanceId'] as const) {
      if (options[name] !== undefined) {
        throw new TypeError(
          `CachedStore: option "${name}" does not apply in front of a RedisStore (Redis reports changes itself)`,
        );
      }
    }
    const source = subscriber as unknown as TrackingSource;
    if (typeof source.duplicate !== 'function' && typeof source.nodes !== 'function') {
      throw new TypeError('CachedStore: option "subscriber" must be an ioredis Redis or Cluster');
    }
    const keyPrefix = inner.client.options?.keyPrefix ?? '';
    return new TrackingFeed(source, keyPrefix + inner.prefix, timing, handlers);
  }
  const publisher = options.publisher;
  if (!publisher) {
    throw new TypeError('CachedStore: option "publisher" is required when the inner store is not a RedisStore');
  }
  const channel = options.channel ?? 'sess:invalidate';
  return new InvalidationBus({ subscriber, publisher, channel, instanceId: options.instanceId, ...timing }, handlers);
}
