-- Entrance: remove one TCP route whole (backends, settings, dead marks, ownership).
-- KEYS[1] tcp backends SET, KEYS[2] tcp settings HASH, KEYS[3] tcp dead ZSET, KEYS[4] tcp-owners HASH
-- ARGV[1] port, ARGV[2] required owner ('' = whoever owns it, hand-written included)
-- Returns 'removed', 'absent' or 'conflict:<owner>'
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
local port, required = ARGV[1], ARGV[2]
local current = redis.call('HGET', KEYS[4], port)
if required ~= '' and current ~= required then
  return 'conflict:' .. (current or 'manual')
end
local n = redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) + redis.call('HDEL', KEYS[4], port)
if n == 0 then return 'absent' end
redis.call('PUBLISH', channel, 'tcp:' .. port)
return 'removed'
