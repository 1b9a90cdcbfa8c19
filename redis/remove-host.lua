-- Entrance: remove one route name whole (backends, settings, dead marks, weights, expiry, ownership; hipache keys too when asked).
-- KEYS: backends, settings, native dead, owners, frontend, hipache dead, paths SET of the host route name, weights, expiry
-- ARGV[1] route name, ARGV[2] required owner ('' = whoever owns it, hand-written included), ARGV[3] '1' to remove hipache keys,
-- ARGV[4] path prefix ('' for a host route: its path routes stay, each a route name of its own)
-- Returns 'removed', 'absent' or 'conflict:<owner>'
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
local name, required, prefix = ARGV[1], ARGV[2], ARGV[4]
local current = redis.call('HGET', KEYS[4], name)
if required ~= '' and current ~= required then
  return 'conflict:' .. (current or 'manual')
end
local n = redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[8], KEYS[9])
if ARGV[3] == '1' then n = n + redis.call('DEL', KEYS[5], KEYS[6]) end
n = n + redis.call('HDEL', KEYS[4], name)
if prefix ~= '' then n = n + redis.call('SREM', KEYS[7], prefix) end
if n == 0 then return 'absent' end
redis.call('PUBLISH', channel, name)
return 'removed'
