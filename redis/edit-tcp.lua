-- Entrance: a person's edit of one TCP route (entrance tcp add / tcp remove <port> <backend>...), atomically.
-- KEYS[1] tcp backends SET, KEYS[2] tcp settings HASH, KEYS[3] tcp dead ZSET
-- ARGV[1] port, ARGV[2] 'add' | 'remove', ARGV[3] settings count n, then n field/value pairs (empty value deletes),
-- then the backends (host:port) to add or remove (removed ones lose their dead marks too).
-- Returns { changed backends..., '|', settings changed count, backends left }
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
local port, op = ARGV[1], ARGV[2]
local n = tonumber(ARGV[3])
local settings_changed = 0
for i = 0, n - 1 do
  local field, value = ARGV[4 + 2 * i], ARGV[5 + 2 * i]
  local old = redis.call('HGET', KEYS[2], field)
  if value == '' then
    if old then redis.call('HDEL', KEYS[2], field); settings_changed = settings_changed + 1 end
  elseif old ~= value then
    redis.call('HSET', KEYS[2], field, value); settings_changed = settings_changed + 1
  end
end
local changed = {}
for i = 4 + 2 * n, #ARGV do
  local b = ARGV[i]
  if op == 'add' then
    if redis.call('SADD', KEYS[1], b) == 1 then table.insert(changed, b) end
  else
    if redis.call('SREM', KEYS[1], b) == 1 then table.insert(changed, b) end
    redis.call('ZREM', KEYS[3], b)
  end
end
if #changed > 0 or settings_changed > 0 then
  redis.call('PUBLISH', channel, 'tcp:' .. port)
end
table.insert(changed, '|')
table.insert(changed, tostring(settings_changed))
table.insert(changed, tostring(redis.call('SCARD', KEYS[1])))
return changed
