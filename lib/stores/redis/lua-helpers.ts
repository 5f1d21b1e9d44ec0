/**
 * Lua shared by RedisStore's scripts (redis-scripts.ts), in pieces, so each
 * script carries only what it runs: every call of a script defines its
 * helpers again, and on a busy server each closure and string costs.
 */

/** Separators, and reading the v2 text (record-layout.ts). */
export const LUA_READ = String.raw`
local RS, US = '\30', '\31'

-- The session's text, its owner (JSON or ''), ix, where the meta's separator
-- is and where the entries start; nil when there is no v2 text under the key.
-- Another type (a v1 hash) raises WRONGTYPE: the store converts it and retries.
local function load(k)
  local cur = redis.call('GET', k)
  if not cur or string.sub(cur, 1, 2) ~= '2' .. RS then return nil end
  local b = string.find(cur, RS, 3, true)
  local c = b and string.find(cur, RS, b + 1, true)
  if not c then return nil end
  local e = string.find(cur, US, c + 1, true) or (#cur + 1)
  return cur, string.sub(cur, 3, b - 1), string.sub(cur, b + 1, c - 1), c, e
end
`;

/** SET with the TTL of ARGV[1] (none when 0: SET also drops an older one); nx = only if absent. */
export const LUA_WRITE = String.raw`
local function write(k, value, nx)
  local ttl = ARGV[1]
  if ttl ~= '0' then
    if nx then return redis.call('SET', k, value, 'PX', ttl, 'NX') end
    return redis.call('SET', k, value, 'PX', ttl)
  end
  if nx then return redis.call('SET', k, value, 'NX') end
  return redis.call('SET', k, value)
end
`;

/** The entries without the one of a key (JSON); keys and values never hold US or RS. */
export const LUA_DROP = String.raw`
local function drop(entries, key)
  local s = string.find(entries, US .. key .. RS, 1, true)
  if not s then return entries end
  local e = string.find(entries, US, s + 1, true)
  if e then return string.sub(entries, 1, s - 1) .. string.sub(entries, e) end
  return string.sub(entries, 1, s - 1)
end
`;

/** The owner index: adding an id, and deciding whether a write must (ARGV[3] = owner, ARGV[5] = id). */
export const LUA_INDEX = String.raw`
-- Add id to an index. life = twice the session's TTL (0: no expiry): the index is extended to it
-- only when it would not outlive this session, so about once per TTL.
local function index_add(k, life, now, id)
  local p = redis.call('PTTL', k)
  redis.call('ZADD', k, now, id)
  if life == 0 then
    if p >= 0 then redis.call('PERSIST', k) end
  elseif p == -2 or (p >= 0 and p < life / 2) then
    redis.call('PEXPIRE', k, life)
  end
end

-- The ix to store and whether the store must still update the index ("due"):
-- when the owner changed, or the session would now outlive the index. With
-- KEYS[2] (the index of ARGV[3]) the update is done here.
local function index_state(owner, old, ix)
  if owner == '' then return '', 0 end
  local ttl, now = tonumber(ARGV[1]), tonumber(ARGV[2])
  if owner == old and (ix == 'inf' or (ttl > 0 and (tonumber(ix) or 0) >= now + ttl)) then return ix, 0 end
  if KEYS[2] and owner == ARGV[3] then
    local life = ttl > 0 and 2 * ttl or 0
    index_add(KEYS[2], life, now, ARGV[5])
    if life == 0 then return 'inf', 0 end
    return string.format('%d', now + life), 0
  end
  if owner == old then return ix, 1 end
  return '', 1
end
`;

/** Rewriting a v1 hash (0.1) as v2 text; only in CONVERT_V1, which runs once per such session. */
export const LUA_FROM_V1 = String.raw`
local RS, US = '\30', '\31'

-- JSON.stringify of a string, so converted keys compare equal to the ones the store sends.
local function json_string(s)
  local esc = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
  return '"' .. (string.gsub(s, '[%z\1-\31"\\]', function(c)
    return esc[c] or string.format('\\u%04x', string.byte(c))
  end)) .. '"'
end

-- The v2 text of a v1 session hash; nil when it is not a valid one.
local function from_v1(k)
  local f = redis.call('HGETALL', k)
  local v, m, o, ix, parts = nil, nil, '', '', {}
  for i = 1, #f, 2 do
    local name, value = f[i], f[i + 1]
    if string.find(value, '[\30\31]') then return nil end
    if name == 'v' then v = value
    elseif name == 'm' then m = value
    elseif name == 'o' then o = json_string(value)
    elseif name == 'ix' then ix = value
    elseif string.sub(name, 1, 2) == 'd:' then parts[#parts + 1] = US .. json_string(string.sub(name, 3)) .. RS .. value end
  end
  if v ~= '1' or not m then return nil end
  return '2' .. RS .. o .. RS .. ix .. RS .. m .. table.concat(parts)
end
`;
