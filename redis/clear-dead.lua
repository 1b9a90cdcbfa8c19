-- Entrance: clear dead marks of one route name, native and hipache (entrance dead clear; the health checker).
-- KEYS[1] native dead ZSET, KEYS[2] hipache dead SET, KEYS[3] changed channel, KEYS[4] hipache frontend LIST (optional)
-- ARGV[1] route name, ARGV[2] backend URL (optional: without it, every mark of the route is cleared)
-- Returns the number of marks cleared.
if ARGV[2] and ARGV[2] ~= '' then
  local n = redis.call('ZREM', KEYS[1], ARGV[2])
  if KEYS[4] then
    -- hipache marks are list indexes (url1 is index 0, after the identifier): clear each index holding this URL.
    local list = redis.call('LRANGE', KEYS[4], 1, -1)
    for i, url in ipairs(list) do
      if url == ARGV[2] then n = n + redis.call('SREM', KEYS[2], tostring(i - 1)) end
    end
  end
  if n > 0 then redis.call('PUBLISH', KEYS[3], ARGV[1]) end
  return n
end
local n = redis.call('ZCARD', KEYS[1]) + redis.call('SCARD', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2])
if n > 0 then redis.call('PUBLISH', KEYS[3], ARGV[1]) end
return n
