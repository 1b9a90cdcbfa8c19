-- Entrance: clear dead marks of one route name, native and hipache (entrance dead clear; the health checker).
-- KEYS[1] native dead ZSET, KEYS[2] hipache dead SET (optional), KEYS[3] hipache frontend LIST (optional)
-- On a Redis Cluster the hipache keys live in other slots: they are left out here and cleared apart.
-- ARGV[1] route name, ARGV[2] backend URL ('': every mark of the route is cleared), ARGV[3] changed channel (last:
-- a channel is not a key)
-- Returns the number of marks cleared.
local channel = ARGV[3]
if ARGV[2] ~= '' then
  local n = redis.call('ZREM', KEYS[1], ARGV[2])
  if KEYS[3] then
    -- hipache marks are list indexes (url1 is index 0, after the identifier): clear each index holding this URL.
    local list = redis.call('LRANGE', KEYS[3], 1, -1)
    for i, url in ipairs(list) do
      if url == ARGV[2] then n = n + redis.call('SREM', KEYS[2], tostring(i - 1)) end
    end
  end
  if n > 0 then redis.call('PUBLISH', channel, ARGV[1]) end
  return n
end
local n = redis.call('ZCARD', KEYS[1])
redis.call('DEL', KEYS[1])
if KEYS[2] then
  n = n + redis.call('SCARD', KEYS[2])
  redis.call('DEL', KEYS[2])
end
if n > 0 then redis.call('PUBLISH', channel, ARGV[1]) end
return n
