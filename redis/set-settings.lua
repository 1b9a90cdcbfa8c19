-- Entrance: set per-host settings (entrance route set), atomically, publishing entrance:changed when anything changed.
-- KEYS[1] settings HASH, KEYS[2] paths SET of the host route name (path routes), KEYS[3] backends SET
-- ARGV[1] route name, ARGV[2] path prefix ('' for a host route), then field/value pairs (an empty value deletes the field)
-- A path route with settings is listed in its host's paths SET; with neither settings nor backends it leaves it.
-- Returns the number of fields changed.
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
local changed = 0
for i = 3, #ARGV - 1, 2 do
  local field, value = ARGV[i], ARGV[i + 1]
  local old = redis.call('HGET', KEYS[1], field)
  if value == '' then
    if old then redis.call('HDEL', KEYS[1], field); changed = changed + 1 end
  elseif old ~= value then
    redis.call('HSET', KEYS[1], field, value); changed = changed + 1
  end
end
if ARGV[2] ~= '' then
  if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then
    redis.call('SADD', KEYS[2], ARGV[2])
  else
    redis.call('SREM', KEYS[2], ARGV[2])
  end
end
if changed > 0 then redis.call('PUBLISH', channel, ARGV[1]) end
return changed
