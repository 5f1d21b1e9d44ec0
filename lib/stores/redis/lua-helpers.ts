/**
 * Lua shared by RedisStore's scripts (redis-scripts.ts): reading the v2
 * string (record-layout.ts), converting a v1 hash on the way, writing with
 * the TTL, and keeping the owner index in step.
 */
export const LUA_HELPERS = String.raw`
local RS, US = '\30', '\31'

-- JSON.stringify of a string, so converted v1 keys compare equal to the ones the store sends.
local function json_string(s)
  local esc = { ['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f', ['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t' }
  return '"' .. (string.gsub(s, '[%z\1-\31"\\]', function(c)
    return esc[c] or string.format('\\u%04x', string.byte(c))
  end)) .. '"'
end

-- A session written by the v1 layout (a hash) as v2 text; nil when it is not a valid one.
local function from_v1(k)
  if redis.call('TYPE', k).ok ~= 'hash' then return nil end
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

-- The session's v2 text, or nil when there is none (or something else is under the key).
local function load(k)
  local cur = redis.pcall('GET', k)
  if type(cur) == 'table' then return from_v1(k) end
  if not cur or string.sub(cur, 1, 2) ~= '2' .. RS then return nil end
  local b = string.find(cur, RS, 3, true)
  if not b or not string.find(cur, RS, b + 1, true) then return nil end
  return cur
end

-- owner (JSON or ''), ix, entries, meta of a text load() returned.
local function header(cur)
  local b = string.find(cur, RS, 3, true)
  local c = string.find(cur, RS, b + 1, true)
  local e = string.find(cur, US, c + 1, true) or (#cur + 1)
  return string.sub(cur, 3, b - 1), string.sub(cur, b + 1, c - 1), string.sub(cur, e), string.sub(cur, c + 1, e - 1)
end

local function head(owner, ix)
  return '2' .. RS .. owner .. RS .. ix .. RS .. ARGV[4]
end

-- SET with the TTL (none when 0: SET also drops an older one); nx = only if absent.
local function write(k, value, nx)
  local ttl = tonumber(ARGV[1])
  if ttl > 0 then
    if nx then return redis.call('SET', k, value, 'PX', ttl, 'NX') end
    return redis.call('SET', k, value, 'PX', ttl)
  end
  if nx then return redis.call('SET', k, value, 'NX') end
  return redis.call('SET', k, value)
end

-- The text without the entry of one key (JSON); keys and values never hold US or RS.
local function drop(entries, key)
  local s = string.find(entries, US .. key .. RS, 1, true)
  if not s then return entries end
  local e = string.find(entries, US, s + 1, true)
  if e then return string.sub(entries, 1, s - 1) .. string.sub(entries, e) end
  return string.sub(entries, 1, s - 1)
end

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
-- when the owner changed, or the session would now outlive the index.
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
