/**
 * The data your sessions hold. Declare it once, by declaration merging (as
 * express-session users do), and every read is typed:
 *
 * @example
 * declare module 'nest-sessions' {
 *   interface SessionData {
 *     userId?: string;
 *     visits?: number;
 *   }
 * }
 *
 * With keys declared, `@Session()` gives a `Session` with those keys (each
 * optional: a new session holds none), `@Session('userId')` accepts only
 * declared keys, and SessionService's `create`, `get` and `update` take and
 * give that shape; other keys are compile errors. With nothing declared, any
 * key is allowed and reads as `unknown`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty on purpose: users merge their keys in
export interface SessionData {}

/** True once the app declared keys in `SessionData`. */
type Declared = [keyof SessionData] extends [never] ? false : true;

/** The data of a session: the declared keys (all optional), or any key when none are declared. */
export type SessionValues = Declared extends true ? Partial<SessionData> : Record<string, unknown>;

/** A key `@Session(key)` accepts: a declared key, or any string when none are declared. */
export type SessionKey = Declared extends true ? keyof SessionData & string : string;
