import { settle, type SessionCallback } from './session-callback.js';
import type { SessionCookie } from './session-cookie.js';

export type { SessionCookie } from './session-cookie.js';

/** What `session.cookie = …` accepts: a new `maxAge` or `expires` (the other attributes only unchanged). */
export type SessionCookieInput = Partial<SessionCookie>;

/** Options of `regenerate`. */
export interface RegenerateOptions {
  /** Data keys carried over to the new session; everything else is cleared. */
  keep?: readonly string[];
}

/**
 * What every session has beside its data: the public face of `Session`
 * (see `SessionData` for the data's keys).
 */
export interface SessionMembers {
  /** The public session id (a hash of the secret token: safe to log and to show). */
  readonly id: string;
  /** True until the session has been saved to the store. */
  readonly isNew: boolean;
  /**
   * The cookie as it applies to this session. Assign `cookie.maxAge` (ms) or
   * `cookie.expires`, or `cookie = { maxAge }`, to give this session its own
   * lifetime ("remember me").
   */
  get cookie(): SessionCookie;
  set cookie(value: SessionCookieInput);
  /**
   * Save now (the module also saves after the handler when data changed).
   * Each method also takes express-session's trailing callback, called once
   * with the error or `null`; the promise is returned either way.
   */
  save(callback?: SessionCallback): Promise<void>;
  /** Replace the data with what the store holds now. */
  reload(callback?: SessionCallback): Promise<this>;
  /** New id, old record destroyed, data cleared. Call it at login and on every privilege change. */
  regenerate(callback?: SessionCallback): Promise<this>;
  /** New id, old record destroyed, data cleared except `keep`. */
  regenerate(options: RegenerateOptions, callback?: SessionCallback): Promise<this>;
  /** Remove the session from the store and clear the cookie. */
  destroy(callback?: SessionCallback): Promise<void>;
  /** Extend the expiry now. */
  touch(callback?: SessionCallback): Promise<void>;
  /** The data, for `JSON.stringify(session)` and `res.json(session)`. */
  toJSON(): Record<string, unknown>;
}

/** @internal What a Session delegates its methods to (lifecycle/session-methods.ts). */
export interface SessionControls {
  save(session: Session): Promise<void>;
  reload(session: Session): Promise<Session>;
  regenerate(session: Session, options?: RegenerateOptions): Promise<Session>;
  destroy(session: Session): Promise<void>;
  touch(session: Session): Promise<void>;
  describe(session: Session): { id: string; isNew: boolean };
  cookieOf(session: Session): SessionCookie;
  assignCookie(session: Session, value: SessionCookieInput): void;
}

/** @internal The module's bookkeeping of a session (set by lifecycle/session-factory.ts when it builds one). */
export let internalsOf!: (session: Session) => unknown;
/** @internal */
export let setInternals!: (session: Session, internals: unknown) => void;
/** @internal The methods a session delegates to (one per SessionModule), if it is a Session at all. */
export let controlsOf!: (session: unknown) => SessionControls | undefined;

/**
 * @internal The session of one request, as `@Session()` gives it (typed for
 * users as `Session` from the package root: these members and `SessionData`). Data lives on the
 * object itself (`session.userId = 7`) and must be JSON-serialisable. The
 * methods and `id`, `isNew`, `cookie` are reserved: assigning to them throws
 * (`cookie` takes a new lifetime only),
 * and data keys of those names are dropped at load and refused at save.
 */
export class Session implements SessionMembers {
  [key: string]: unknown;

  // Private slots, invisible to the data (keys, spread, JSON): cheaper than
  // WeakMaps keyed by a new object on every request.
  readonly #controls: SessionControls;
  #internals: unknown;

  /** @internal Built by the module; users receive sessions, never construct them. */
  constructor(owner: SessionControls) {
    this.#controls = owner;
  }

  static {
    internalsOf = (session) => session.#internals;
    setInternals = (session, internals) => {
      session.#internals = internals;
    };
    controlsOf = (session) =>
      typeof session === 'object' && session !== null && #controls in session ? session.#controls : undefined;
  }

  /** The public session id (a hash of the secret token: safe to log and to show). */
  get id(): string {
    return ctl(this).describe(this).id;
  }

  /** True until the session has been saved to the store. */
  get isNew(): boolean {
    return ctl(this).describe(this).isNew;
  }

  get cookie(): SessionCookie {
    return ctl(this).cookieOf(this);
  }

  set cookie(value: SessionCookieInput) {
    ctl(this).assignCookie(this, value);
  }

  save(callback?: SessionCallback): Promise<void> {
    return settle(ctl(this).save(this), callback);
  }

  reload(callback?: SessionCallback): Promise<this> {
    return settle(ctl(this).reload(this) as Promise<this>, callback);
  }

  regenerate(callback?: SessionCallback): Promise<this>;
  regenerate(options: RegenerateOptions, callback?: SessionCallback): Promise<this>;
  regenerate(options?: RegenerateOptions | SessionCallback, callback?: SessionCallback): Promise<this> {
    if (typeof options === 'function') return this.regenerate({}, options);
    return settle(ctl(this).regenerate(this, options) as Promise<this>, callback);
  }

  destroy(callback?: SessionCallback): Promise<void> {
    return settle(ctl(this).destroy(this), callback);
  }

  touch(callback?: SessionCallback): Promise<void> {
    return settle(ctl(this).touch(this), callback);
  }

  /** The data, for `JSON.stringify(session)` and `res.json(session)`. */
  toJSON(): Record<string, unknown> {
    return { ...this };
  }
}

function ctl(session: Session): SessionControls {
  const owner = controlsOf(session);
  if (!owner) throw new Error('Session used outside SessionModule');
  return owner;
}

/** Names a data key may not take. */
export const RESERVED_SESSION_KEYS: ReadonlySet<string> = new Set([
  'id',
  'isNew',
  'cookie',
  'save',
  'reload',
  'regenerate',
  'destroy',
  'touch',
  'toJSON',
  '__proto__',
  'constructor',
  'prototype',
]);

// Methods and accessors cannot be replaced by data: in strict code (all ES
// modules) `session.save = 1` throws a TypeError instead of breaking the session.
for (const name of ['save', 'reload', 'regenerate', 'destroy', 'touch', 'toJSON'] as const) {
  Object.defineProperty(Session.prototype, name, { writable: false, enumerable: false, configurable: false });
}
