import { SessionDataException } from '../session.exceptions.js';
import { RESERVED_SESSION_KEYS } from '../session.js';
import type { SessionData } from '../stores/session-record.js';
import { rememberKeyJson } from '../stores/known-json.js';
import { entriesOfObjectText } from './object-text.js';

/** JSON of each top-level key, as last loaded or saved: what "changed" is measured against. */
export type Snapshot = Map<string, string>;

export interface DataDiff {
  changed: boolean;
  set: SessionData;
  unset: string[];
  /** The whole data, as it will be stored. */
  data: SessionData;
  snapshot: Snapshot;
}

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/BigInt/i.test(message)) return 'BigInt values are not JSON-serialisable';
  if (/circular/i.test(message)) return 'circular reference';
  return 'not JSON-serialisable';
}

/**
 * Compare the session's own data with its snapshot. Each key is serialised
 * once; the result is the patch to store. Values follow JSON: `undefined` and
 * functions drop the key, Map/Set become `{}`, NaN becomes null.
 * Throws SessionDataException (naming the key, never the value) for reserved
 * keys, values JSON cannot hold, or data over `maxBytes`.
 */
export function diffData(source: object, snapshot: Snapshot, maxBytes: number): DataDiff {
  const set: SessionData = {};
  const data: SessionData = {};
  const next: Snapshot = new Map();
  let changed = false;
  let bytes = 2;
  for (const key of Object.keys(source)) {
    if (RESERVED_SESSION_KEYS.has(key)) throw new SessionDataException(`key "${key}" is reserved`);
    const value = (source as Record<string, unknown>)[key];
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (error) {
      throw new SessionDataException(`key "${key}": ${describeError(error)}`);
    }
    if (json === undefined) continue;
    bytes += Buffer.byteLength(key) + json.length + 4;
    next.set(key, json);
    data[key] = value;
    if (snapshot.get(key) !== json) {
      set[key] = JSON.parse(json) as unknown;
      changed = true;
    }
  }
  // json.length undercounts multi-byte text; measure exactly only near the cap.
  if (bytes > maxBytes / 4) bytes = Buffer.byteLength(JSON.stringify(data));
  if (bytes > maxBytes) throw new SessionDataException(`session data is ${bytes} bytes, over maxBytes (${maxBytes})`);
  const unset = [...snapshot.keys()].filter((key) => !next.has(key));
  if (unset.length > 0) changed = true;
  // What is stored is what JSON makes of the values, so a reload sees the same.
  // A changed key's value was parsed into `set` already: the record shares it (neither is handed to the app).
  if (!changed) return { changed, set, unset, data, snapshot: next };
  const stored = Object.fromEntries(
    [...next].map(([k, j]) => [k, Object.hasOwn(set, k) ? set[k] : (JSON.parse(j) as unknown)]),
  );
  // Both are the parsed texts of `next`, held by nobody else: the store may take their JSON from it.
  rememberKeyJson(next, stored, set);
  return { changed, set, unset, data: stored, snapshot: next };
}

/** The snapshot of freshly loaded data. */
export function snapshotOf(data: SessionData): Snapshot {
  const snap: Snapshot = new Map();
  for (const key of Object.keys(data)) snap.set(key, JSON.stringify(data[key]));
  return snap;
}

/** The snapshot of the data a baseline (its JSON as loaded) stands for: split from the text, parsed only if it must be. */
export function snapshotOfBaseline(baseline: string): Snapshot {
  return entriesOfObjectText(baseline) ?? snapshotOf(JSON.parse(baseline) as SessionData);
}
