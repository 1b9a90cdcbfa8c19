-- Entrance: clear every dead mark of one route name, native and hipache (entrance dead clear).
-- KEYS[1] native dead ZSET, KEYS[2] hipache dead SET, KEYS[3] changed channel
-- ARGV[1] route name
-- Returns the number of marks cleared.
local n = redis.call('ZCARD', KEYS[1]) + redis.call('SCARD', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
if n > 0 then redis.call('PUBLISH', KEYS[3], ARGV[1]) end
return n
