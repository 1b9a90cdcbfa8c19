-- Entrance: remove one certificate name (its chain, key and ownership), then publish its invalidation.
-- KEYS[1] certificate HASH, KEYS[2] certificate owners HASH
-- ARGV[1] certificate name, ARGV[2] required owner ('' = whoever owns it, hand-written included)
-- Returns 'removed', 'absent' or 'conflict:<owner or manual>'
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
local name, required = ARGV[1], ARGV[2]
local current = redis.call('HGET', KEYS[2], name)
if required ~= '' and current ~= required then
  if (not current) and redis.call('EXISTS', KEYS[1]) == 0 then return 'absent' end
  return 'conflict:' .. (current or 'manual')
end
local n = redis.call('DEL', KEYS[1]) + redis.call('HDEL', KEYS[2], name)
if n == 0 then return 'absent' end
redis.call('PUBLISH', channel, 'cert:' .. name)
return 'removed'
