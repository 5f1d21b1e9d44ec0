import { createHash } from 'node:crypto';
import type { RedisClientLike } from './redis-client.js';

/**
 * Lua scripts of RedisStore. Each touches one key, so each runs on one
 * Cluster node, atomically. Sent by EVALSHA, and by EVAL once when a server
 * does not know the script yet (after a restart or a failover).
 *
 * A session is a hash: `v` (format), `m` (meta JSON), `o` (owner), `ix` (until
 * when the owner index is known to live) and one `d:<key>` field per data
 * key. A patch is then a plain HSET/HDEL of the changed fields: no JSON
 * decoding in Lua (cjson would round numbers to 14 digits and turn `[]` into
 * `{}`), and two requests changing different keys both persist.
 *
 * Every write script takes ARGV[1] = TTL in ms (0 = none), ARGV[2] = now, and
 * ends with `finish`, which sets the expiry and says whether the owner index
 * must be updated ("due"): when the owner changed, or when the session would
 * now outlive the index. So a normal write is one command, and the index is
 * extended at most about once per TTL.
 */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

function script(body: string): RedisScript {
  const source = FINISH + body;
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const FINISH = `
local function finish(old)
  local ttl = tonumber(ARGV[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('PERSIST', KEYS[1]) end
  local o = redis.call('HGET', KEYS[1], 'o')
  if not o then return 0 end
  if o ~= old then
    redis.call('HDEL', KEYS[1], 'ix')
    return 1
  end
  local ix = redis.call('HGET', KEYS[1], 'ix')
  if ix == 'inf' then return 0 end
  if not ix or ttl == 0 or tonumber(ix) < tonumber(ARGV[2]) + ttl then return 1 end
  return 0
end
local function write_pairs(first)
  for i = first, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
end
`;

/** create: write only when absent (NX): a colliding id never overwrites a session. → {1, due} | {0} */
export const CREATE = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return {0} end
write_pairs(3)
return {1, finish(false)}`);

/** set: replace the whole record. → {previous owner or '', due} */
export const REPLACE = script(`
local old = redis.call('HGET', KEYS[1], 'o')
redis.call('DEL', KEYS[1])
write_pairs(3)
return {old or '', finish(old)}`);

/**
 * patch: only when present (XX), so a slow request never brings back a session
 * that was logged out meanwhile. ARGV[3] = n fields to delete, ARGV[4 .. 3+n]
 * those fields, then field/value pairs. → {1, previous owner or '', due} | {0}
 */
export const PATCH = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local old = redis.call('HGET', KEYS[1], 'o')
local n = tonumber(ARGV[3])
for i = 4, 3 + n do redis.call('HDEL', KEYS[1], ARGV[i]) end
write_pairs(4 + n)
return {1, old or '', finish(old)}`);

/** touch: new meta (ARGV[3]) and expiry only; data written meanwhile is kept. → {1, owner or '', due} | {0} */
export const TOUCH = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local old = redis.call('HGET', KEYS[1], 'o')
redis.call('HSET', KEYS[1], 'm', ARGV[3])
return {1, old or '', finish(old)}`);

/** destroy. → the owner, or '' */
export const DESTROY = script(`
local old = redis.call('HGET', KEYS[1], 'o')
redis.call('DEL', KEYS[1])
return old or ''`);

/** After the owner index was extended: record until when (ARGV[1], ms or 'inf'); never creates the key. */
export const MARK_INDEXED = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'ix', ARGV[3]) end
return 1`);

/**
 * Owner index: a sorted set (member = session id, score = when it was added),
 * kept alive at least ARGV[1] ms more (0 = no expiry). Members whose session
 * is gone are pruned when the index is read.
 */
export const INDEX_ADD = script(`
local existed = redis.call('EXISTS', KEYS[1])
local pttl = redis.call('PTTL', KEYS[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
local ttl = tonumber(ARGV[1])
if ttl == 0 then redis.call('PERSIST', KEYS[1])
elseif existed == 0 or (pttl >= 0 and pttl < ttl) then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`);

/** Run a script by its hash, loading it on NOSCRIPT. */
export async function runScript(
  client: RedisClientLike,
  s: RedisScript,
  key: string,
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await client.call('evalsha', s.sha, 1, key, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return client.call('eval', s.source, 1, key, ...args);
  }
}
