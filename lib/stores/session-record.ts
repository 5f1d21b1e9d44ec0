/** Data a session holds: plain JSON values under top-level keys. */
export type SessionData = Record<string, unknown>;

/**
 * What the module keeps beside the data. Expiry is enforced from these
 * timestamps on every load; a store's TTL only garbage-collects.
 */
export interface SessionMeta {
  /** Creation time, ms since the epoch. */
  createdAt: number;
  /** Last time the expiry was extended (save or touch), ms since the epoch. */
  lastActiveAt: number;
  /** Idle deadline, ms since the epoch; 0 = none. */
  idleExpiresAt: number;
  /** Hard deadline from creation, ms since the epoch; 0 = none. */
  absoluteExpiresAt: number;
  /** Idle lifetime this session was created with, ms; 0 = never idles out. */
  maxAge: number;
  /** Owner id (from the `ownerKey` data key), indexed by stores. */
  owner?: string;
  /** User agent of the client that created the session, cut to 256 characters. */
  userAgent?: string;
  /** Keyed hash of the client fingerprint, when `fingerprint` is on. */
  fingerprint?: string;
}

/** The stored form of one session. `v` versions the format. */
export interface SessionRecord {
  v: 1;
  meta: SessionMeta;
  data: SessionData;
}

/** The top-level keys one request changed, for stores that can write only those. */
export interface SessionPatch {
  set: SessionData;
  unset: string[];
  meta: SessionMeta;
}

/** One entry of a store listing. `id` is the public session id (a hash, never a token). */
export interface StoredSession {
  id: string;
  record: SessionRecord;
}
