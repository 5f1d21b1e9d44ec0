import { createHash } from 'node:crypto';
import type { RedisClientLike } from './redis-client.js';
import { LUA_DROP, LUA_FROM_V1, LUA_INDEX, LUA_READ, LUA_WRITE } from './lua-helpers.js';

/**
 * Lua scripts of RedisStore (layout v2, see record-layout.ts). Each runs as
 * one EVALSHA, atomically; EVAL once when a server does not know the script
 * yet (after a restart or a failover). A session still in the v1 layout (a
 * hash) makes a write script fail with WRONGTYPE: the store converts it
 * (CONVERT_V1) and runs the write again.
 *
 * A session is one string: a header (format, owner, until when the owner
 * index is known to live, meta) and one entry per data key. A patch drops
 * the entries of the changed keys and appends their new text: no JSON
 * decoding in Lua (cjson would round numbers to 14 digits and turn `[]` into
 * `{}`), and two requests changing different keys both persist.
 *
 * Write scripts take ARGV[1] = TTL in ms (0 = none), ARGV[2] = now, ARGV[3] =
 * the owner as JSON ('' = none), ARGV[4] = meta text, ARGV[5] = session id.
 * KEYS[2], when given, is the owner's index: the script keeps it in step
 * itself (one command in all). Without it (a Cluster, where the index lives
 * in another slot) the script answers "due" and the store updates the index
 * and then marks the session (MARK_INDEXED). Either way the index is
 * extended at most about once per TTL.
 */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

function script(...parts: string[]): RedisScript {
  const source = parts.join('');
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * create with an owner: write only when absent (NX), then add the id to the
 * owner's index (KEYS[2]). ARGV[6] = the whole value (its `ix` already set).
 * → 1 | 0. Anonymous creates are a plain SET NX; on a Cluster the index
 * (INDEX_ADD) and the session (SET NX) are sent at once.
 */
export const CREATE_INDEXED = script(
  LUA_WRITE,
  LUA_INDEX,
  `
if not write(KEYS[1], ARGV[6], true) then return 0 end
local ttl = tonumber(ARGV[1])
index_add(KEYS[2], ttl > 0 and 2 * ttl or 0, tonumber(ARGV[2]), ARGV[5])
return 1`,
);

/** set: replace the whole record. ARGV[6] = the entries. → {previous owner or '', due} */
export const REPLACE = script(
  LUA_READ,
  LUA_WRITE,
  LUA_INDEX,
  `
local cur, old, ix = load(KEYS[1])
if not cur then old, ix = '', '' end
local nix, due = index_state(ARGV[3], old, ix)
write(KEYS[1], '2' .. RS .. ARGV[3] .. RS .. nix .. RS .. ARGV[4] .. ARGV[6])
return {old, due}`,
);

/**
 * patch: only when present (XX), so a slow request never brings back a session
 * that was logged out meanwhile. ARGV[6] = n keys whose entries are dropped
 * (the removed and the rewritten ones, as JSON), ARGV[7 .. 6+n] those keys,
 * ARGV[7+n] the new entries. → {1, previous owner or '', due} | {0}
 */
export const PATCH = script(
  LUA_READ,
  LUA_WRITE,
  LUA_DROP,
  LUA_INDEX,
  `
local cur, old, ix, c, e = load(KEYS[1])
if not cur then return {0} end
local entries = string.sub(cur, e)
local n = tonumber(ARGV[6])
for i = 7, 6 + n do entries = drop(entries, ARGV[i]) end
local nix, due = index_state(ARGV[3], old, ix)
write(KEYS[1], '2' .. RS .. ARGV[3] .. RS .. nix .. RS .. ARGV[4] .. entries .. ARGV[7 + n])
return {1, old, due}`,
);

/**
 * touch: new meta and expiry only; the stored owner and data (written
 * meanwhile, maybe) are kept. ARGV[3] = the owner the caller believes in,
 * whose index KEYS[2] is. → {1, owner or '', due} | {0}
 */
export const TOUCH = script(
  LUA_READ,
  LUA_WRITE,
  LUA_INDEX,
  `
local cur, old, ix, c, e = load(KEYS[1])
if not cur then return {0} end
local nix, due = index_state(old, old, ix)
write(KEYS[1], '2' .. RS .. old .. RS .. nix .. RS .. ARGV[4] .. string.sub(cur, e))
return {1, old, due}`,
);

/** destroy. → the owner as JSON, or '' */
export const DESTROY = script(
  LUA_READ,
  `
local cur, old = load(KEYS[1])
redis.call('DEL', KEYS[1])
return old or ''`,
);

/**
 * After the owner index was extended (a Cluster): record until when (ARGV[1],
 * ms or 'inf'), if the session still exists and still has this owner
 * (ARGV[2]). The expiry is kept.
 */
export const MARK_INDEXED = script(
  LUA_READ,
  `
local cur, old, ix, c = load(KEYS[1])
if not cur or old ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], '2' .. RS .. old .. RS .. ARGV[1] .. string.sub(cur, c), 'KEEPTTL')
return 1`,
);

/** The owner index on its own (a Cluster): KEYS[1] = the index, ARGV = its life in ms (0 = none), now, session id. */
export const INDEX_ADD = script(
  LUA_INDEX,
  `
index_add(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
return 1`,
);

/**
 * A write met something else than a string (WRONGTYPE): rewrite a v1 session
 * hash as v2 in place, expiry kept, and answer 1 so the write is retried;
 * also 1 when another request converted it meanwhile. 0: not a v1 session.
 */
export const CONVERT_V1 = script(
  LUA_FROM_V1,
  `
local t = redis.call('TYPE', KEYS[1]).ok
if t == 'string' then return 1 end
if t ~= 'hash' then return 0 end
local text = from_v1(KEYS[1])
if not text then return 0 end
redis.call('SET', KEYS[1], text, 'KEEPTTL')
return 1`,
);

/** Run a script by its hash, loading it on NOSCRIPT. */
export async function runScript(
  client: RedisClientLike,
  s: RedisScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.call('evalsha', s.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.call('eval', s.source, keys.length, ...keys, ...args);
  }
}
