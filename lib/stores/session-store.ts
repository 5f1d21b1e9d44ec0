import type { SessionPatch, SessionRecord, StoredSession } from './session-record.js';

/**
 * Base class of every session store, and the injection token of the active one:
 * `constructor(store: SessionStore)`, or `{ provide: SessionStore, useClass }`.
 *
 * Stores never see a raw session token: `id` is the public session id, the
 * SHA-256 of the secret part of the token, so a dump of the store leaks nothing
 * that can be presented as a cookie. `ttlMs` of 0 means "no expiry".
 *
 * Only `get`, `set` and `destroy` are required. The module uses the optional
 * methods where a store has them: `create` (write only if absent), `patch`
 * (write only the changed keys, only if present), `touch` (extend expiry only).
 */
export abstract class SessionStore {
  /** The record, or null when absent or expired. */
  abstract get(id: string): Promise<SessionRecord | null>;
  /** Write the whole record. */
  abstract set(id: string, record: SessionRecord, ttlMs: number): Promise<void>;
  /** Remove the record; removing an absent one is not an error. */
  abstract destroy(id: string): Promise<void>;

  /** Write only when no record has this id; resolves false when one exists. */
  create?(id: string, record: SessionRecord, ttlMs: number): Promise<boolean>;
  /**
   * Apply the changed top-level keys atomically, only when the record still
   * exists (a logout is never undone). Resolves false when it does not.
   */
  patch?(id: string, changes: SessionPatch, ttlMs: number): Promise<boolean>;
  /** Extend expiry and update `meta` only; never rewrites data. No-op when absent. */
  touch?(id: string, record: SessionRecord, ttlMs: number): Promise<void>;
  /** Every live session. */
  all?(): Promise<StoredSession[]>;
  /** Remove every session of this store. */
  clear?(): Promise<void>;
  /** How many live sessions there are. */
  length?(): Promise<number>;
  /** Live sessions whose `meta.owner` is `owner`. */
  listByOwner?(owner: string): Promise<StoredSession[]>;
  /** Release timers and connections the store owns. Called when the app closes. */
  close?(): Promise<void>;
}
