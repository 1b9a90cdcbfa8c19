-- Entrance: set one TCP route's backends and settings to exactly the given ones, atomically, with ownership.
-- KEYS[1] tcp backends SET, KEYS[2] tcp settings HASH, KEYS[3] tcp dead ZSET, KEYS[4] tcp-owners HASH
-- ARGV[1] port, ARGV[2] owner (apply, syncer), ARGV[3] mode: claim | owned-only (as apply-host.lua)
-- ARGV[4] settings count n, then n field/value pairs (an empty value deletes the field), then the backends (host:port).
-- Returns { status, added..., '|', removed..., '|', settings changed count }; status 'ok' | 'conflict:<owner or manual>'
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
local port, owner, mode = ARGV[1], ARGV[2], ARGV[3]
local current = redis.call('HGET', KEYS[4], port)
local exists = redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1
if current and current ~= owner then
  return { 'conflict:' .. current }
end
if (not current) and exists and mode == 'owned-only' then
  return { 'conflict:manual' }
end

local n = tonumber(ARGV[4])
local settings_changed = 0
for i = 0, n - 1 do
  local field, value = ARGV[5 + 2 * i], ARGV[6 + 2 * i]
  local old = redis.call('HGET', KEYS[2], field)
  if value == '' then
    if old then redis.call('HDEL', KEYS[2], field); settings_changed = settings_changed + 1 end
  elseif old ~= value then
    redis.call('HSET', KEYS[2], field, value); settings_changed = settings_changed + 1
  end
end

local wanted = {}
for i = 5 + 2 * n, #ARGV do wanted[ARGV[i]] = true end
local added, removed = {}, {}
for backend in pairs(wanted) do
  if redis.call('SADD', KEYS[1], backend) == 1 then table.insert(added, backend) end
end
for _, backend in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not wanted[backend] then
    redis.call('SREM', KEYS[1], backend); redis.call('ZREM', KEYS[3], backend); table.insert(removed, backend)
  end
end
redis.call('HSET', KEYS[4], port, owner)
if #added > 0 or #removed > 0 or settings_changed > 0 then
  redis.call('PUBLISH', channel, 'tcp:' .. port)
end
local result = { 'ok' }
for _, b in ipairs(added) do table.insert(result, b) end
table.insert(result, '|')
for _, b in ipairs(removed) do table.insert(result, b) end
table.insert(result, '|')
table.insert(result, tostring(settings_changed))
return result
