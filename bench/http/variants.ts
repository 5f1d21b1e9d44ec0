export type Platform = 'express' | 'fastify';

/** A platform name given on a command line. */
export const isPlatform = (name: string | undefined): name is Platform => name === 'express' || name === 'fastify';
export type VariantKind = 'ceiling' | 'module' | 'express-session' | 'nestjs-session' | 'fastify-session';
export type StoreKind = 'memory' | 'redis' | 'cached';

export interface Variant {
  /** Stable id, passed to the server process. */
  id: string;
  /** Row label in the tables. */
  label: string;
  platform: Platform;
  kind: VariantKind;
  store?: StoreKind;
  /** Talks to the bench's Redis. */
  redis: boolean;
  /** Exports of lib/ this variant needs (skipped, and reported, while one is missing). */
  needs?: readonly string[];
}

/** Every variant, in the order each round runs them. */
export const VARIANTS: readonly Variant[] = [
  {
    id: 'express-ceiling',
    label: 'Nest/Express, no sessions (ceiling)',
    platform: 'express',
    kind: 'ceiling',
    redis: false,
  },
  {
    id: 'express-module-memory',
    label: 'nest-sessions MemoryStore',
    platform: 'express',
    kind: 'module',
    store: 'memory',
    redis: false,
  },
  {
    id: 'express-module-redis',
    label: 'nest-sessions RedisStore',
    platform: 'express',
    kind: 'module',
    store: 'redis',
    redis: true,
    needs: ['RedisStore'],
  },
  {
    id: 'express-module-cached',
    label: 'nest-sessions CachedStore(RedisStore)',
    platform: 'express',
    kind: 'module',
    store: 'cached',
    redis: true,
    needs: ['RedisStore', 'CachedStore'],
  },
  {
    id: 'express-session-memory',
    label: 'express-session MemoryStore',
    platform: 'express',
    kind: 'express-session',
    store: 'memory',
    redis: false,
  },
  {
    id: 'express-session-redis',
    label: 'express-session + connect-redis',
    platform: 'express',
    kind: 'express-session',
    store: 'redis',
    redis: true,
  },
  {
    id: 'nestjs-session-redis',
    label: 'nestjs-session + connect-redis',
    platform: 'express',
    kind: 'nestjs-session',
    store: 'redis',
    redis: true,
  },
  {
    id: 'fastify-ceiling',
    label: 'Nest/Fastify, no sessions (ceiling)',
    platform: 'fastify',
    kind: 'ceiling',
    redis: false,
  },
  {
    id: 'fastify-module-memory',
    label: 'nest-sessions MemoryStore',
    platform: 'fastify',
    kind: 'module',
    store: 'memory',
    redis: false,
  },
  {
    id: 'fastify-module-redis',
    label: 'nest-sessions RedisStore',
    platform: 'fastify',
    kind: 'module',
    store: 'redis',
    redis: true,
    needs: ['RedisStore'],
  },
  {
    id: 'fastify-module-cached',
    label: 'nest-sessions CachedStore(RedisStore)',
    platform: 'fastify',
    kind: 'module',
    store: 'cached',
    redis: true,
    needs: ['RedisStore', 'CachedStore'],
  },
  {
    id: 'fastify-session-memory',
    label: '@fastify/session MemoryStore',
    platform: 'fastify',
    kind: 'fastify-session',
    store: 'memory',
    redis: false,
  },
  {
    id: 'fastify-session-redis',
    label: '@fastify/session + connect-redis',
    platform: 'fastify',
    kind: 'fastify-session',
    store: 'redis',
    redis: true,
  },
];

export function variantById(id: string): Variant {
  const found = VARIANTS.find((v) => v.id === id);
  if (!found) throw new Error(`unknown variant ${id}`);
  return found;
}

/** The no-session app of a platform, which every other variant is compared with. */
export function ceilingOf(platform: Platform): Variant {
  return variantById(`${platform}-ceiling`);
}
