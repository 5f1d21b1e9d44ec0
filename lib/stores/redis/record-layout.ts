import { MAX_RECORD_CHARS, mayReachPrototype, parseStored, recordOf } from '../record-codec.js';
import type { SessionMeta, SessionRecord } from '../session-record.js';
import { keyJsonOf, rememberDataText } from '../known-json.js';

/**
 * Layout v2 of a RedisStore session: one string per session,
 *
 *     2 RS <owner as JSON, or empty> RS <ix> RS <meta> (US <key as JSON> RS <value>)*
 *
 * with RS = U+001E and US = U+001F. JSON.stringify never writes a control
 * character (it escapes them), so neither separator can occur inside a key,
 * an owner or a JSON value: the Lua scripts find a key's entry with one plain
 * search, and a read turns the entries into JSON by swapping the separators
 * for `,` and `:`, then parses the whole record with one JSON.parse.
 *
 * `ix` is until when (ms, or `inf`) the owner index is known to hold this
 * session. The meta is a JSON array (see encodeMeta); a session converted
 * from the v1 layout keeps its v1 meta (an object, or a custom serializer's
 * text) until its next write.
 */
export const RS = '\x1e';
export const US = '\x1f';
const HEAD = '2' + RS;

/** Text of a value for the layout: what the serializer made of it, checked to hold no separator. */
export function checkedValue(text: string, key: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x1e || c === 0x1f) {
      throw new TypeError(
        `RedisStore: the serializer's text for "${key}" holds U+001E or U+001F, which the layout reserves`,
      );
    }
  }
  return text;
}

/**
 * The meta array, written by hand (it is on every write): createdAt, then
 * lastActiveAt as a delta from it, the idle and absolute deadlines as deltas
 * from lastActiveAt and createdAt (null: none), maxAge, user agent,
 * fingerprint; about 20 characters less than absolute times. Values a delta
 * would not give back exactly (not whole milliseconds) are kept as an object.
 */
export function encodeMeta(meta: SessionMeta): string {
  const {
    createdAt: c,
    lastActiveAt: l,
    idleExpiresAt: idle,
    absoluteExpiresAt: abs,
    maxAge,
    userAgent,
    fingerprint,
  } = meta;
  const whole = [c, l, idle, abs, maxAge].every(Number.isSafeInteger);
  if (!whole) {
    const { owner: _owner, ...rest } = meta;
    return JSON.stringify(rest);
  }
  let text = `[${c},${l - c},${idle === 0 ? 'null' : idle - l},${abs === 0 ? 'null' : abs - c},${maxAge}`;
  if (fingerprint !== undefined)
    text += `,${userAgent === undefined ? 'null' : JSON.stringify(userAgent)},${JSON.stringify(fingerprint)}`;
  else if (userAgent !== undefined) text += `,${JSON.stringify(userAgent)}`;
  return text + ']';
}

/** The header of a session text: everything but its entries. */
export function encodeHead(owner: string | undefined, ix: string, meta: SessionMeta): string {
  return HEAD + (owner === undefined ? '' : JSON.stringify(owner)) + RS + ix + RS + encodeMeta(meta);
}

/** One data entry. */
export function encodeEntry(key: string, valueText: string): string {
  return US + JSON.stringify(key) + RS + valueText;
}

const whole = (value: unknown): value is number => Number.isSafeInteger(value);

/** The meta array (or a meta object: converted from v1, or not whole ms) back to SessionMeta fields; undefined when malformed. */
function metaOf(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const [c, sinceCreated, idleIn, absIn, maxAge, userAgent, fingerprint] = value as unknown[];
  if (!whole(c) || !whole(sinceCreated) || !(idleIn === null || whole(idleIn)) || !(absIn === null || whole(absIn))) {
    return undefined;
  }
  const l = c + sinceCreated;
  const meta: Record<string, unknown> = {
    createdAt: c,
    lastActiveAt: l,
    idleExpiresAt: idleIn === null ? 0 : l + idleIn,
    absoluteExpiresAt: absIn === null ? 0 : c + absIn,
    maxAge,
  };
  if (userAgent !== undefined && userAgent !== null) meta.userAgent = userAgent;
  if (fingerprint !== undefined && fingerprint !== null) meta.fingerprint = fingerprint;
  return meta;
}

export interface ParsedText {
  owner: string;
  meta: string;
  entries: string;
}

/** Split a v2 text; null when it is not one, or over the size any store parses (checked first). */
export function splitText(text: string): ParsedText | null {
  if (text.length > MAX_RECORD_CHARS || !text.startsWith(HEAD)) return null;
  const b = text.indexOf(RS, 2);
  const c = b < 0 ? -1 : text.indexOf(RS, b + 1);
  if (c < 0) return null;
  const e = text.indexOf(US, c + 1);
  return {
    owner: text.slice(2, b),
    meta: e < 0 ? text.slice(c + 1) : text.slice(c + 1, e),
    entries: e < 0 ? '' : text.slice(e),
  };
}

function withOwner(record: SessionRecord | null, ownerJson: string): SessionRecord | null {
  if (!record) return null;
  if (ownerJson === '') {
    delete record.meta.owner;
    return record;
  }
  const owner = parseStored(ownerJson);
  if (typeof owner !== 'string') return null;
  record.meta.owner = owner;
  return record;
}

/** Default path: the whole record in one JSON.parse, then validated like every store's. */
export function decodeJsonText(parts: ParsedText): SessionRecord | null {
  const body = parts.entries.slice(1).replaceAll(US, ',').replaceAll(RS, ':');
  const text = `{"m":${parts.meta},"d":{${body}}}`;
  const suspicious = mayReachPrototype(text);
  const parsed = parseStored(text, MAX_RECORD_CHARS, suspicious);
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { m, d } = parsed as { m?: unknown; d?: unknown };
  const record = withOwner(recordOf(metaOf(m), d), parts.owner);
  // The data is `{body}` parsed (unless keys reaching a prototype were dropped): tell the load (known-json.ts).
  if (record && !suspicious) rememberDataText(record.data, `{${body}}`);
  return record;
}

/** With a custom serializer: each value parsed by it, then the record re-validated as JSON. */
export function decodeSerializedText(parts: ParsedText, parse: (text: string) => unknown): SessionRecord | null {
  try {
    // No prototype: a `__proto__` key becomes a plain property, dropped below.
    const data = Object.create(null) as Record<string, unknown>;
    for (const entry of parts.entries.split(US).slice(1)) {
      const at = entry.indexOf(RS);
      if (at < 0) return null;
      data[JSON.parse(entry.slice(0, at)) as string] = parse(entry.slice(at + 1));
    }
    // A converted v1 session's meta may still be the serializer's text.
    const first = parts.meta[0];
    const meta = first === '[' || first === '{' ? (JSON.parse(parts.meta) as unknown) : parse(parts.meta);
    // Through JSON text again, so prototype keys are dropped and the shape validated as for JSON.
    const parsed = parseStored(JSON.stringify({ m: metaOf(meta), d: data })) as { m?: unknown; d?: unknown };
    return withOwner(recordOf(parsed?.m, parsed?.d), parts.owner);
  } catch {
    return null;
  }
}

/** Turns one data value into the text stored for it, and back. */
export interface RedisSerializer {
  stringify(value: unknown): string;
  parse(text: string): unknown;
}

/** Data values to entries and stored texts to records, by JSON or a custom serializer. */
export class LayoutCodec {
  constructor(private readonly serializer: RedisSerializer | undefined) {}

  entries(data: Record<string, unknown>): string {
    const known = keyJsonOf(data);
    let out = '';
    for (const [key, value] of Object.entries(data)) {
      const text = this.value(key, value, known);
      if (text !== undefined) out += encodeEntry(key, text);
    }
    return out;
  }

  /**
   * A value's text; undefined (the key is not stored) for what JSON drops,
   * such as undefined. `known`: the JSON the commit already made of its data
   * (see known-json.ts), used unless a custom serializer decides the text.
   */
  value(key: string, value: unknown, known?: ReadonlyMap<string, string>): string | undefined {
    if (!this.serializer) return known?.get(key) ?? JSON.stringify(value);
    const text = this.serializer.stringify(value) as string | undefined;
    return text === undefined ? undefined : checkedValue(text, key);
  }

  /** A stored session's parts → a record, validated as every store's; null for anything else. */
  decode(parts: ParsedText | null): SessionRecord | null {
    if (!parts) return null;
    const serializer = this.serializer;
    return serializer ? decodeSerializedText(parts, (text) => serializer.parse(text)) : decodeJsonText(parts);
  }
}
