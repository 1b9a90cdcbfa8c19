-- Entrance: set per-host settings (entrance route set), atomically, publishing entrance:changed when anything changed.
-- KEYS[1] settings HASH, KEYS[2] changed channel
-- ARGV[1] route name, then field/value pairs (an empty value deletes the field)
-- Returns the number of fields changed.
local changed = 0
for i = 2, #ARGV - 1, 2 do
  local field, value = ARGV[i], ARGV[i + 1]
  local old = redis.call('HGET', KEYS[1], field)
  if value == '' then
    if old then redis.call('HDEL', KEYS[1], field); changed = changed + 1 end
  elseif old ~= value then
    redis.call('HSET', KEYS[1], field, value); changed = changed + 1
  end
end
if changed > 0 then redis.call('PUBLISH', KEYS[2], ARGV[1]) end
return changed
