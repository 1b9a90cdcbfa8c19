-- Entrance: copy one hipache frontend into the native schema (entrance migrate-hipache), atomically.
-- KEYS[1] backends SET, KEYS[2] hipache frontend LIST, KEYS[3] hipache dead SET, KEYS[4] native dead ZSET
-- ARGV[1] route name, ARGV[2] now (unix ms), ARGV[3] '1' for a dry run
-- The hipache keys stay (shadowed by the native set, a way back). Dead indexes become native dead marks with the same expiry.
-- Returns { status, urls... }: status 'migrated' | 'would-migrate' | 'native-exists' | 'no-backends'
-- The changed channel comes last in ARGV (a channel is not a key: in KEYS it would break Redis Cluster's one-slot rule).
local channel = table.remove(ARGV) -- the changed channel
if redis.call('EXISTS', KEYS[1]) == 1 then return { 'native-exists' } end
local urls = redis.call('LRANGE', KEYS[2], 1, -1)
if #urls == 0 then return { 'no-backends' } end
local result = { 'migrated' }
if ARGV[3] == '1' then result[1] = 'would-migrate' end
for _, u in ipairs(urls) do table.insert(result, u) end
if ARGV[3] == '1' then return result end
redis.call('SADD', KEYS[1], unpack(urls))
local pttl = redis.call('PTTL', KEYS[3])
if pttl ~= -2 then
  -- A dead set without TTL never expires; 2^53-1 ms stands for "never" (an 'inf' score would not parse as a number
  -- in every reader).
  local expiry = 9007199254740991
  if pttl >= 0 then expiry = tonumber(ARGV[2]) + pttl end
  for _, index in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    local u = urls[tonumber(index) + 1]
    if u then redis.call('ZADD', KEYS[4], expiry, u) end
  end
end
redis.call('PUBLISH', channel, ARGV[1])
return result
