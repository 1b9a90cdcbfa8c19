-- Entrance: remove the backends of one route name whose registration TTL has passed, by Redis's clock (the fleet's cleanup).
-- KEYS[1] expiry ZSET, KEYS[2] backends SET, KEYS[3] weights HASH, KEYS[4] native dead ZSET, KEYS[5] paths SET of the
-- host route name, KEYS[6] settings HASH
-- ARGV[1] route name, ARGV[2] path prefix ('' for a host route)
-- Each expired backend leaves the backends SET and the expiry ZSET together (and its weight and dead mark); a path route
-- left with no backends and no settings leaves its host's paths SET. Routers never picked these backends anyway.
-- Returns the removed URLs.
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
for _, u in ipairs(expired) do
  redis.call('SREM', KEYS[2], u)
  redis.call('ZREM', KEYS[1], u)
  redis.call('HDEL', KEYS[3], u)
  redis.call('ZREM', KEYS[4], u)
end
if ARGV[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 0 and redis.call('EXISTS', KEYS[6]) == 0 then
  redis.call('SREM', KEYS[5], ARGV[2])
end
if #expired > 0 then redis.call('PUBLISH', channel, ARGV[1]) end
return expired
