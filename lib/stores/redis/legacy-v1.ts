import { MAX_RECORD_CHARS } from '../record-codec.js';
import { RS, US, type ParsedText } from './record-layout.js';

/**
 * Sessions written by the v1 layout (nest-sessions 0.1: one hash per session,
 * fields `v` = 1, `m` meta, `o` owner, `ix`, `d:<key>` per data key) are read
 * as they are, and the next write of each rewrites it as v2 (lua-helpers.ts
 * converts it the same way). This turns HGETALL's reply into the v2 parts;
 * null for anything that is not a v1 session. The size is checked before
 * anything is parsed.
 */
export function partsOfV1(reply: unknown): ParsedText | null {
  // ioredis turns HGETALL's flat reply into an object; accept both shapes.
  if (typeof reply === 'object' && reply !== null && !Array.isArray(reply)) reply = Object.entries(reply).flat();
  if (!Array.isArray(reply) || reply.length === 0) return null;
  let size = 0;
  let version: string | undefined;
  let meta: string | undefined;
  let owner = '';
  let entries = '';
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const field: unknown = reply[i];
    const value: unknown = reply[i + 1];
    if (typeof field !== 'string' || typeof value !== 'string') return null;
    size += field.length + value.length;
    if (size > MAX_RECORD_CHARS) return null;
    // As in the Lua conversion: a value holding a separator cannot be framed, so it is no session.
    if (value.includes(RS) || value.includes(US)) return null;
    if (field === 'v') version = value;
    else if (field === 'm') meta = value;
    else if (field === 'o') owner = JSON.stringify(value);
    else if (field.startsWith('d:')) entries += US + JSON.stringify(field.slice(2)) + RS + value;
  }
  if (version !== '1' || meta === undefined) return null;
  return { owner, meta, entries };
}
