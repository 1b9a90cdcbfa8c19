-- Entrance: store one certificate name's chain and key, atomically, with ownership, then publish its invalidation.
-- KEYS[1] certificate HASH, KEYS[2] certificate owners HASH
-- ARGV[1] certificate name, ARGV[2] owner (syncer, cli; '' = hand-written, no owner recorded), ARGV[3] mode:
--   claim:      write unless another writer owns the name (hand-written names are taken over)
--   owned-only: write only when the name is new or already ours (never touch hand-written or foreign names)
--   force:      write whoever owns it (a person replacing a managed certificate on purpose)
-- ARGV[4] PEM chain, ARGV[5] PEM key
-- Returns 'written', 'unchanged' or 'conflict:<current owner or manual>'
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
local name, owner, mode = ARGV[1], ARGV[2], ARGV[3]
local current = redis.call('HGET', KEYS[2], name)
local exists = redis.call('EXISTS', KEYS[1]) == 1
if mode ~= 'force' then
  if current and current ~= owner then return 'conflict:' .. current end
  if (not current) and exists and mode == 'owned-only' then return 'conflict:manual' end
end
local old = redis.call('HMGET', KEYS[1], 'chain', 'key')
local same_owner = (current or '') == owner
if old[1] == ARGV[4] and old[2] == ARGV[5] and same_owner then return 'unchanged' end
redis.call('HSET', KEYS[1], 'chain', ARGV[4], 'key', ARGV[5])
if owner == '' then
  redis.call('HDEL', KEYS[2], name)
else
  redis.call('HSET', KEYS[2], name, owner)
end
if old[1] ~= ARGV[4] or old[2] ~= ARGV[5] then
  redis.call('PUBLISH', channel, 'cert:' .. name)
end
return 'written'
