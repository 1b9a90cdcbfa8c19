-- Entrance: remove some backends of one route name (entrance route remove <host> <url>...), atomically.
-- KEYS[1] backends SET, KEYS[2] native dead ZSET, KEYS[3] hipache frontend LIST, KEYS[4] hipache dead SET,
-- KEYS[5] paths SET of the host route name, KEYS[6] weights HASH, KEYS[7] expiry ZSET, KEYS[8] settings HASH
-- ARGV[1] route name, ARGV[2] path prefix ('' for a host route), ARGV[3..] backend URLs
-- The URLs leave the native set, their dead marks, weights and expiry go, and they leave the hipache list (its
-- identifier, element 0, stays). hipache dead marks are list indexes, which shift when the list changes, so they are
-- dropped with it. A path route left with no backends and no settings leaves its host's paths SET.
-- Returns { removed..., '|', native backends left, hipache backends left }
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
local name, prefix = ARGV[1], ARGV[2]
local drop, removed, seen = {}, {}, {}
for i = 3, #ARGV do drop[ARGV[i]] = true end
for i = 3, #ARGV do
  local u = ARGV[i]
  if redis.call('SREM', KEYS[1], u) == 1 and not seen[u] then table.insert(removed, u); seen[u] = true end
  redis.call('ZREM', KEYS[2], u)
  redis.call('HDEL', KEYS[6], u)
  redis.call('ZREM', KEYS[7], u)
end
local frontend = redis.call('LRANGE', KEYS[3], 0, -1)
if #frontend > 1 then
  local kept, hit = { frontend[1] }, false
  for j = 2, #frontend do
    local u = frontend[j]
    if drop[u] then
      hit = true
      if not seen[u] then table.insert(removed, u); seen[u] = true end
    else
      table.insert(kept, u)
    end
  end
  if hit then
    redis.call('DEL', KEYS[3], KEYS[4])
    redis.call('RPUSH', KEYS[3], unpack(kept))
  end
end
if prefix ~= '' and redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[8]) == 0 then
  redis.call('SREM', KEYS[5], prefix)
end
if #removed > 0 then redis.call('PUBLISH', channel, name) end
table.insert(removed, '|')
table.insert(removed, redis.call('SCARD', KEYS[1]))
local llen = redis.call('LLEN', KEYS[3])
if llen > 0 then llen = llen - 1 end
table.insert(removed, llen)
return removed
