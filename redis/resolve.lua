-- Entrance route resolution: one EVALSHA per cache miss, a consistent snapshot of every candidate key.
-- KEYS: eight per candidate route name, in lookup order (exact, wildcards longest first, catch-all):
--   backends SET, settings HASH, native dead ZSET, hipache frontend LIST, hipache dead SET,
--   paths SET (prefixes routed under this name), weights HASH, expiry ZSET
-- ARGV[1]: now, unix milliseconds (native dead marks scored at or below it have expired)
-- ARGV[2]: the key prefix; the keys of a matched name's path routes (<name>/<prefix>) are built from it here, since
--          they are known only once the paths SET is read (not cluster-safe, like the rest of the schema)
-- ARGV[3..]: the candidate route names, in KEYS order
-- Returns nil when nothing matches, else:
--   { schema, candidate (1-based), urls, settings (flat field/value), dead, dead_pttl, weights, expiry, paths }
--   native:  urls = SMEMBERS, dead = { url, expiry_ms, ... } still in force
--   hipache: urls = LRANGE frontend (identifier first), dead = SMEMBERS indexes, dead_pttl = PTTL of the dead set
--   declared: only the settings hash or the paths SET exists (no backends of its own); urls empty
--   weights = HGETALL (flat url/weight); expiry = { url, ms left by Redis's clock (<= 0: expired), ... }
--   paths = { { prefix, urls, settings, dead, weights, expiry }, ... } for each listed prefix with backends
local now = ARGV[1]
local redis_now = nil

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
    local route = name .. prefix
    local urls = redis.call('SMEMBERS', ARGV[2] .. 'entrance:backends:' .. route)
    if #urls > 0 then
      table.insert(found, { prefix, urls, redis.call('HGETALL', ARGV[2] .. 'entrance:host:' .. route),
        redis.call('ZRANGEBYSCORE', ARGV[2] .. 'entrance:dead:' .. route, '(' .. now, '+inf', 'WITHSCORES'),
        redis.call('HGETALL', ARGV[2] .. 'entrance:weights:' .. route), expiry(ARGV[2] .. 'entrance:expiry:' .. route) })
    end
  end
  return found
end

for i = 1, #KEYS, 8 do
  local candidate = (i - 1) / 8 + 1
  local urls = redis.call('SMEMBERS', KEYS[i])
  if #urls > 0 then
    return { 'native', candidate, urls, redis.call('HGETALL', KEYS[i + 1]),
             redis.call('ZRANGEBYSCORE', KEYS[i + 2], '(' .. now, '+inf', 'WITHSCORES'), -1,
             redis.call('HGETALL', KEYS[i + 6]), expiry(KEYS[i + 7]), paths(KEYS[i + 5], ARGV[2 + candidate]) }
  end
  local frontend = redis.call('LRANGE', KEYS[i + 3], 0, -1)
  if #frontend > 0 then
    return { 'hipache', candidate, frontend, redis.call('HGETALL', KEYS[i + 1]),
             redis.call('SMEMBERS', KEYS[i + 4]), redis.call('PTTL', KEYS[i + 4]),
             redis.call('HGETALL', KEYS[i + 6]), expiry(KEYS[i + 7]), paths(KEYS[i + 5], ARGV[2 + candidate]) }
  end
  if redis.call('EXISTS', KEYS[i + 1]) == 1 or redis.call('EXISTS', KEYS[i + 5]) == 1 then
    return { 'declared', candidate, {}, redis.call('HGETALL', KEYS[i + 1]), {}, -1, {}, {},
             paths(KEYS[i + 5], ARGV[2 + candidate]) }
  end
end
return false
