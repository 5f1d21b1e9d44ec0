import type { SessionData, SessionMeta, SessionPatch, SessionRecord } from './session-record.js';

/** Keys that could reach an object's prototype when copied or merged. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Largest stored record a store will parse, in characters. A larger one is
 * treated as invalid before JSON.parse, so a poisoned key cannot block the
 * event loop. Four times the default `maxBytes`, leaving room for meta.
 */
export const MAX_RECORD_CHARS = 4 * 65_536 + 4_096;

const dropForbidden = (key: string, value: unknown): unknown => (FORBIDDEN_KEYS.has(key) ? undefined : value);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMeta(value: unknown): value is SessionMeta {
  if (!isPlainObject(value)) return false;
  const numbers = ['createdAt', 'lastActiveAt', 'idleExpiresAt', 'absoluteExpiresAt', 'maxAge'];
  if (!numbers.every((k) => typeof value[k] === 'number' && Number.isFinite(value[k]))) return false;
  return ['owner', 'userAgent', 'fingerprint'].every((k) => value[k] === undefined || typeof value[k] === 'string');
}

/** Whether a JSON text may hold a key that reaches a prototype (a cheap substring test; false positives are fine). */
export function mayReachPrototype(json: string): boolean {
  return json.includes('__proto__') || json.includes('constructor') || json.includes('prototype');
}

/**
 * JSON.parse for stored text: undefined when it is over `maxChars` (checked
 * before parsing, so a poisoned value cannot block the event loop) or not
 * JSON; `__proto__`, `constructor` and `prototype` keys dropped at every depth.
 * `suspicious`: `mayReachPrototype(json)`, for a caller that needs it too.
 */
export function parseStored(json: string, maxChars = MAX_RECORD_CHARS, suspicious = mayReachPrototype(json)): unknown {
  if (json.length > maxChars) return undefined;
  try {
    // The reviver is slow, so it only runs when a suspicious key is present.
    return suspicious ? JSON.parse(json, dropForbidden) : JSON.parse(json);
  } catch {
    return undefined;
  }
}

/**
 * Parse a stored record. Anything that is not a well-formed record (truncated
 * JSON, a foreign value, a record missing its meta, an oversized value) gives
 * null: the caller treats it as no session. `__proto__`, `constructor` and
 * `prototype` keys are dropped at every depth.
 */
export function decodeRecord(json: string, maxChars = MAX_RECORD_CHARS): SessionRecord | null {
  const parsed = parseStored(json, maxChars);
  if (!isPlainObject(parsed) || parsed.v !== 1) return null;
  return recordOf(parsed.meta, parsed.data);
}

/** A record from parsed (`parseStored`) meta and data, or null when either is not well-formed. */
export function recordOf(meta: unknown, data: unknown): SessionRecord | null {
  if (!isMeta(meta) || !isPlainObject(data)) return null;
  return { v: 1, meta, data: data as SessionData };
}

/** The record after a patch: changed keys replaced, removed keys dropped, new meta. */
export function applyPatch(record: SessionRecord, changes: SessionPatch): SessionRecord {
  const data: SessionData = { ...record.data };
  for (const key of changes.unset) delete data[key];
  for (const [key, value] of Object.entries(changes.set)) {
    if (!FORBIDDEN_KEYS.has(key)) data[key] = value;
  }
  return { v: 1, meta: changes.meta, data };
}
