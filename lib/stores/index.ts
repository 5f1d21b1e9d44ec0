export { SessionStore } from './session-store.js';
export { MemoryStore, type MemoryStoreOptions } from './memory.store.js';
export type { SessionData, SessionMeta, SessionPatch, SessionRecord, StoredSession } from './session-record.js';
