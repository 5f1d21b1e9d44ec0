import type { SessionData } from './session-record.js';

/**
 * The JSON of each top-level key of a data object, for objects whose JSON
 * the module already computed. A commit serialises every key once to find
 * what changed; a store that keeps JSON would otherwise serialise the same
 * values again on the same call. Only objects no one else holds or changes
 * are registered (the data and changed keys a commit hands to its store,
 * made of freshly parsed values), so the texts stay true; a store that does
 * not look here just serialises, as before.
 */
const known = new WeakMap<SessionData, ReadonlyMap<string, string>>();

/** Register `json` (key → JSON.stringify of its value) for `data`; it may hold more keys than `data`. */
export function rememberJson(data: SessionData, json: ReadonlyMap<string, string>): void {
  known.set(data, json);
}

/** The registered JSON of `data`'s keys, if any. */
export function knownJson(data: SessionData): ReadonlyMap<string, string> | undefined {
  return known.get(data);
}

/** JSON.stringify(data), from the registered texts where there are some. */
export function dataJson(data: SessionData): string {
  const texts = known.get(data);
  if (!texts) return JSON.stringify(data);
  let out = '';
  for (const key of Object.keys(data)) {
    const text = texts.get(key) ?? JSON.stringify(data[key]);
    if (text !== undefined) out += `${out ? ',' : '{'}${JSON.stringify(key)}:${text}`;
  }
  return out ? `${out}}` : '{}';
}
