-- Entrance route resolution: one EVALSHA per cache miss, a consistent snapshot of every candidate key.
-- KEYS: eight per candidate route name, in lookup order (exact, wildcards longest first, catch-all):
--   backends SET, settings HASH, native dead ZSET, hipache frontend LIST, hipache dead SET,
--   paths SET (prefixes routed under this name), weights HASH, expiry ZSET
-- ARGV[1]: now, unix milliseconds (native dead marks scored at or below it have expired)
-- ARGV[2]: the key prefix; the keys of a matched name's path routes (<name>/<prefix>) are built from it here, since
--          they are known only once the paths SET is read
-- ARGV[3]: '' on one node; 'cluster' on a Redis Cluster, where keys carry the host as hash tag ({<name>}<prefix>, the
--          same slot as the name's own keys) and each candidate is resolved apart, on its own node: KEYS are then one
--          candidate's six native keys (backends, settings, native dead, paths, weights, expiry; no hipache keys, which
--          live in other slots and are read by the caller), and the answer is the native route, or else
--          { 'rest', 1, {}, settings, {}, -1, weights, expiry, paths, declared (1/0) } for the caller to combine
-- ARGV[4..]: the candidate route names, in KEYS order
-- Returns nil when nothing matches, else:
--   { schema, candidate (1-based), urls, settings (flat field/value), dead, dead_pttl, weights, expiry, paths }
--   native:  urls = SMEMBERS, dead = { url, expiry_ms, ... } still in force
--   hipache: urls = LRANGE frontend (identifier first), dead = SMEMBERS indexes, dead_pttl = PTTL of the dead set
--   declared: only the settings hash or the paths SET exists (no backends of its own); urls empty
--   weights = HGETALL (flat url/weight); expiry = { url, ms left by Redis's clock (<= 0: expired), ... }
--   paths = { { prefix, urls, settings, dead, weights, expiry }, ... } for each listed prefix with backends
local now = ARGV[1]
local redis_now = nil
local tag_open, tag_close = '', ''
if ARGV[3] == 'cluster' then tag_open, tag_close = '{', '}' end

local function expiry(key)
  local raw = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  if #raw == 0 then return raw end
  if not redis_now then
    local t = redis.call('TIME')
    redis_now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  end
  local left = {}
  for j = 1, #raw, 2 do
    local score = tonumber(raw[j + 1])
    table.insert(left, raw[j])
    if score == nil or score ~= score then
      table.insert(left, 'bad')
    elseif score == math.huge then
      table.insert(left, 'inf')
    else
      table.insert(left, tostring(score - redis_now))
    end
  end
  return left
end

local function paths(key, name)
  local found = {}
  for _, prefix in ipairs(redis.call('SMEMBERS', key)) do
    local route = tag_open .. name .. tag_close .. prefix
    local urls = redis.call('SMEMBERS', ARGV[2] .. 'entrance:backends:' .. route)
    if #urls > 0 then
      table.insert(found, { prefix, urls, redis.call('HGETALL', ARGV[2] .. 'entrance:host:' .. route),
        redis.call('ZRANGEBYSCORE', ARGV[2] .. 'entrance:dead:' .. route, '(' .. now, '+inf', 'WITHSCORES'),
        redis.call('HGETALL', ARGV[2] .. 'entrance:weights:' .. route), expiry(ARGV[2] .. 'entrance:expiry:' .. route) })
    end
  end
  return found
end

if ARGV[3] == 'cluster' then
  local name = ARGV[4]
  local urls = redis.call('SMEMBERS', KEYS[1])
  local settings = redis.call('HGETALL', KEYS[2])
  if #urls > 0 then
    return { 'native', 1, urls, settings, redis.call('ZRANGEBYSCORE', KEYS[3], '(' .. now, '+inf', 'WITHSCORES'), -1,
             redis.call('HGETALL', KEYS[5]), expiry(KEYS[6]), paths(KEYS[4], name) }
  end
  local declared = (#settings > 0 or redis.call('EXISTS', KEYS[4]) == 1) and 1 or 0
  return { 'rest', 1, {}, settings, {}, -1, redis.call('HGETALL', KEYS[5]), expiry(KEYS[6]), paths(KEYS[4], name), declared }
end

for i = 1, #KEYS, 8 do
  local candidate = (i - 1) / 8 + 1
  local urls = redis.call('SMEMBERS', KEYS[i])
  if #urls > 0 then
    return { 'native', candidate, urls, redis.call('HGETALL', KEYS[i + 1]),
             redis.call('ZRANGEBYSCORE', KEYS[i + 2], '(' .. now, '+inf', 'WITHSCORES'), -1,
             redis.call('HGETALL', KEYS[i + 6]), expiry(KEYS[i + 7]), paths(KEYS[i + 5], ARGV[3 + candidate]) }
  end
  local frontend = redis.call('LRANGE', KEYS[i + 3], 0, -1)
  if #frontend > 0 then
    return { 'hipache', candidate, frontend, redis.call('HGETALL', KEYS[i + 1]),
             redis.call('SMEMBERS', KEYS[i + 4]), redis.call('PTTL', KEYS[i + 4]),
             redis.call('HGETALL', KEYS[i + 6]), expiry(KEYS[i + 7]), paths(KEYS[i + 5], ARGV[3 + candidate]) }
  end
  if redis.call('EXISTS', KEYS[i + 1]) == 1 or redis.call('EXISTS', KEYS[i + 5]) == 1 then
    return { 'declared', candidate, {}, redis.call('HGETALL', KEYS[i + 1]), {}, -1, {}, {},
             paths(KEYS[i + 5], ARGV[3 + candidate]) }
  end
end
return false
