/**
 * The package root. The package ships two builds (`dist/esm` for `import`,
 * `dist/cjs` for `require`), and a process can load both: an ESM app with one
 * CommonJS dependency that requires `nest-sessions` does. Two copies would
 * mean two `SessionStore` classes, two `SessionService` injection tokens and
 * two request states, so a store or session made by one copy would be
 * rejected by the other. So every value exported here is the first loaded
 * copy's: whichever build loads second hands out the same classes and
 * functions (see `one-copy.ts`). Types come from this copy's declarations,
 * which are the same.
 */
import * as own from './public-api.js';
import { firstLoadedCopy } from './one-copy.js';

const api = firstLoadedCopy(own);

export const SessionModule = api.SessionModule;
export type SessionModule = own.SessionModule;
export const SessionService = api.SessionService;
export type SessionService = own.SessionService;
export const Session = api.Session;
export type Session = own.Session;
export const UseSession = api.UseSession;
export const SessionConfigError = api.SessionConfigError;
export type SessionConfigError = own.SessionConfigError;
export const SessionDataException = api.SessionDataException;
export type SessionDataException = own.SessionDataException;
export const SessionStoreUnavailableException = api.SessionStoreUnavailableException;
export type SessionStoreUnavailableException = own.SessionStoreUnavailableException;
export const SessionStore = api.SessionStore;
export type SessionStore = own.SessionStore;
export const MemoryStore = api.MemoryStore;
export type MemoryStore = own.MemoryStore;
export const RedisStore = api.RedisStore;
export type RedisStore = own.RedisStore;
export const CachedStore = api.CachedStore;
export type CachedStore = own.CachedStore;
export const ExpressStoreAdapter = api.ExpressStoreAdapter;
export type ExpressStoreAdapter = own.ExpressStoreAdapter;
export const recommendedRedisOptions = api.recommendedRedisOptions;

export type * from './public-api.js';
