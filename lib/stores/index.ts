export { SessionStore } from './session-store.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.store.js';
export { RedisStore, type RedisSerializer, type RedisStoreOptions } from './redis.store.js';
export { recommendedRedisOptions, type RedisClientLike } from './redis/redis-client.js';
export type { SessionData, SessionMeta, SessionPatch, SessionRecord, StoredSession } from './session-record.js';
export { ExpressStoreAdapter, type ExpressSessionStoreLike } from './express-store.adapter.js';
export { CachedStore, type CachedStoreOptions, type RedisSubscriberLike } from './cached.store.js';
