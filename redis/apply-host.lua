-- Entrance: set one route's backends and settings to exactly the given ones, atomically, with ownership.
-- A reader never sees an empty or half-written set: additions and removals happen in one script run.
-- KEYS[1] backends SET, KEYS[2] settings HASH, KEYS[3] owners HASH, KEYS[4] changed channel (not a key; passed for clarity)
-- ARGV[1] route name, ARGV[2] owner (e.g. apply, syncer), ARGV[3] mode: claim | owned-only
--   claim:      write unless another writer owns the name (hand-written names are taken over)
--   owned-only: write only when the name is new or already ours (never touch hand-written or foreign names)
-- ARGV[4] settings count n, then n field/value pairs (an empty value deletes the field), then the backend URLs.
-- Returns { status, added..., '|', removed..., '|', settings changed count }
--   status: 'ok' | 'conflict:<current owner or manual>'
local name, owner, mode = ARGV[1], ARGV[2], ARGV[3]
local current = redis.call('HGET', KEYS[3], name)
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
for url in pairs(wanted) do
  if redis.call('SADD', KEYS[1], url) == 1 then table.insert(added, url) end
end
for _, url in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not wanted[url] then redis.call('SREM', KEYS[1], url); table.insert(removed, url) end
end
redis.call('HSET', KEYS[3], name, owner)
if #added > 0 or #removed > 0 or settings_changed > 0 then
  redis.call('PUBLISH', KEYS[4], name)
end
local result = { 'ok' }
for _, u in ipairs(added) do table.insert(result, u) end
table.insert(result, '|')
for _, u in ipairs(removed) do table.insert(result, u) end
table.insert(result, '|')
table.insert(result, tostring(settings_changed))
return result
