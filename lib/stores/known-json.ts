import type { SessionData } from './session-record.js';

/**
 * JSON the module already has of a data object, handed between the commit
 * and the stores so neither serialises the same values twice:
 *
 * - the commit serialises every key once to find what changed; a store that
 *   keeps JSON takes those texts for the data and the changed keys it is
 *   handed (`rememberKeyJson` / `keyJsonOf`);
 * - a store that parsed a record from JSON knows its data's text; the load
 *   takes it as the baseline a later commit compares against
 *   (`rememberDataText` / `dataTextOf`).
 *
 * A hint names the object it is about and is honoured only for that very
 * object, and only objects nobody else holds or changes are named (values
 * freshly parsed, not yet handed to the application). Each kind keeps only
 * its latest hint: a commit hands its data to the store within the same
 * call, and a store's answer usually reaches its load before another one
 * comes, so one slot is enough, costs two assignments (a WeakMap's set cost
 * more than the serialising it saves) and keeps nothing alive for long.
 * When loads overlap (Redis replies read in one batch), a later answer's
 * hint replaces an earlier one's: a missed hint is no error, the value is
 * serialised, as without hints.
 */
let keyed: { objects: readonly SessionData[]; json: ReadonlyMap<string, string> } | undefined;
let whole: { data: SessionData; text: string } | undefined;

/** `json` (key → JSON.stringify of its value) holds the texts of every key of each of `objects` (and maybe more). */
export function rememberKeyJson(json: ReadonlyMap<string, string>, ...objects: SessionData[]): void {
  keyed = { objects, json };
}

/** The texts of `data`'s keys, if the commit registered them. */
export function keyJsonOf(data: SessionData): ReadonlyMap<string, string> | undefined {
  return keyed?.objects.includes(data) ? keyed.json : undefined;
}

/** JSON.stringify(data), from the registered texts where there are some. */
export function dataJson(data: SessionData): string {
  const texts = keyJsonOf(data);
  if (!texts) return JSON.stringify(data);
  let out = '';
  for (const key of Object.keys(data)) {
    const text = texts.get(key) ?? JSON.stringify(data[key]);
    if (text !== undefined) out += `${out ? ',' : '{'}${JSON.stringify(key)}:${text}`;
  }
  return out ? `${out}}` : '{}';
}

/**
 * `text` is what JSON.stringify makes of `data`, which was just parsed from
 * it. A text whose keys are in another order than the parsed object's (a
 * Redis session whose entries were appended after integer-like keys) only
 * makes the next commit compare key by key: never a wrong result.
 */
export function rememberDataText(data: SessionData, text: string): void {
  whole = { data, text };
}

/** The registered text of `data`, if it is the object last registered; the hint is used up. */
export function dataTextOf(data: SessionData): string | undefined {
  if (whole?.data !== data) return undefined;
  const { text } = whole;
  whole = undefined;
  return text;
}
