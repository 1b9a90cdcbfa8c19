-- Entrance: set one route's backends and settings to exactly the given ones, atomically, with ownership.
-- A reader never sees an empty or half-written set: additions and removals happen in one script run.
-- KEYS[1] backends SET, KEYS[2] settings HASH, KEYS[3] owners HASH,
-- KEYS[4] paths SET of the host route name, KEYS[5] weights HASH, KEYS[6] expiry ZSET
-- ARGV[1] route name, ARGV[2] owner (e.g. apply, syncer), ARGV[3] mode: claim | owned-only
--   claim:      write unless another writer owns the name (hand-written names are taken over)
--   owned-only: write only when the name is new or already ours (never touch hand-written or foreign names)
-- ARGV[4] settings count n, then n field/value pairs (an empty value deletes the field), then the path prefix ('' for a
-- host route), then the weights count m and m url/weight pairs (every other backend weighs 1), then the TTL in ms
-- ('': permanent; else every backend expires that long after now by Redis's TIME), then the backend URLs.
-- Returns { status, added..., '|', removed..., '|', settings changed count }
--   status: 'ok' | 'conflict:<current owner or manual>'
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
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

local at = 5 + 2 * n
local prefix = ARGV[at]
local m = tonumber(ARGV[at + 1])
local weights = {}
for i = 0, m - 1 do weights[ARGV[at + 2 + 2 * i]] = ARGV[at + 3 + 2 * i] end
local ttl = ARGV[at + 2 + 2 * m]
local first = at + 3 + 2 * m

local wanted = {}
for i = first, #ARGV do wanted[ARGV[i]] = true end
local extras_changed = false
for url in pairs(wanted) do
  local w = weights[url]
  if w == nil or w == '1' then
    if redis.call('HDEL', KEYS[5], url) == 1 then extras_changed = true end
  elseif redis.call('HGET', KEYS[5], url) ~= w then
    redis.call('HSET', KEYS[5], url, w); extras_changed = true
  end
end
for _, url in ipairs(redis.call('HKEYS', KEYS[5])) do
  if not wanted[url] then redis.call('HDEL', KEYS[5], url); extras_changed = true end
end
if ttl ~= '' then
  local t = redis.call('TIME')
  local expires = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ttl)
  redis.call('DEL', KEYS[6])
  for url in pairs(wanted) do redis.call('ZADD', KEYS[6], expires, url) end
  extras_changed = true
elseif redis.call('DEL', KEYS[6]) == 1 then
  extras_changed = true
end
local added, removed = {}, {}
for url in pairs(wanted) do
  if redis.call('SADD', KEYS[1], url) == 1 then table.insert(added, url) end
end
for _, url in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if not wanted[url] then redis.call('SREM', KEYS[1], url); table.insert(removed, url) end
end
redis.call('HSET', KEYS[3], name, owner)
if prefix ~= '' then
  if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
    if redis.call('SADD', KEYS[4], prefix) == 1 then extras_changed = true end
  elseif redis.call('SREM', KEYS[4], prefix) == 1 then
    extras_changed = true
  end
end
if #added > 0 or #removed > 0 or settings_changed > 0 or extras_changed then
  redis.call('PUBLISH', channel, name)
end
local result = { 'ok' }
for _, u in ipairs(added) do table.insert(result, u) end
table.insert(result, '|')
for _, u in ipairs(removed) do table.insert(result, u) end
table.insert(result, '|')
table.insert(result, tostring(settings_changed + (extras_changed and 1 or 0))) -- weights, expiry and paths count as one setting
return result
