-- Entrance: add backends to one route name (entrance route add), atomically, publishing entrance:changed when anything changed.
-- KEYS[1] backends SET, KEYS[2] hipache frontend LIST,
-- KEYS[3] paths SET of the host route name, KEYS[4] weights HASH, KEYS[5] expiry ZSET
-- ARGV[1] route name, ARGV[2] path prefix ('' for a host route), ARGV[3] weight ('' to leave weights as they are),
-- ARGV[4] TTL in ms ('' : the backends never expire), ARGV[5..] backend URLs
-- A name that exists only as a hipache frontend gets the URLs appended to its list: a new native set would shadow
-- the frontend and silently drop its other backends. Weights and TTLs need a native route.
-- A TTL is counted from Redis's own clock (TIME), never a router's or the CLI's; adding again extends it. Adding without
-- a TTL makes the backends permanent again. A path route's prefix joins its host's paths SET in the same run.
-- Returns { schema ('native' | 'hipache' | 'error:<why>'), added... }
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
local name, prefix, weight, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local added = {}
local schema = 'native'
local changed = false
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('LLEN', KEYS[2]) > 0 then
  if weight ~= '' or ttl ~= '' or prefix ~= '' then
    return { 'error:' .. name .. ' is a hipache frontend: weights, TTLs and paths need a native route (entrance migrate hipache)' }
  end
  schema = 'hipache'
  local have = {}
  for _, u in ipairs(redis.call('LRANGE', KEYS[2], 1, -1)) do have[u] = true end
  for i = 5, #ARGV do
    if not have[ARGV[i]] then
      redis.call('RPUSH', KEYS[2], ARGV[i]); have[ARGV[i]] = true; table.insert(added, ARGV[i])
    end
  end
else
  local expires = nil
  if ttl ~= '' then
    local t = redis.call('TIME')
    expires = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ttl)
  end
  for i = 5, #ARGV do
    local u = ARGV[i]
    if redis.call('SADD', KEYS[1], u) == 1 then table.insert(added, u) end
    if weight == '1' then
      if redis.call('HDEL', KEYS[4], u) == 1 then changed = true end
    elseif weight ~= '' then
      if redis.call('HGET', KEYS[4], u) ~= weight then redis.call('HSET', KEYS[4], u, weight); changed = true end
    end
    if expires then
      redis.call('ZADD', KEYS[5], expires, u); changed = true
    elseif redis.call('ZREM', KEYS[5], u) == 1 then
      changed = true
    end
  end
  if prefix ~= '' and redis.call('SADD', KEYS[3], prefix) == 1 then changed = true end
end
if #added > 0 or changed then redis.call('PUBLISH', channel, name) end
local result = { schema }
for _, u in ipairs(added) do table.insert(result, u) end
return result
