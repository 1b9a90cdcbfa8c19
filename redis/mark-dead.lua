-- Entrance: mark one backend dead for every router, hipache-compatible.
-- KEYS[1] the dead-mark key of the route's schema: native dead ZSET or hipache dead SET
-- ARGV[1] schema (native | hipache), ARGV[2] route name, ARGV[3] url, ARGV[4] 0-based index, ARGV[5] backend count,
-- ARGV[6] expiry (unix ms), ARGV[7] ttl (ms), ARGV[8] now (unix ms), ARGV[9] changed channel, ARGV[10] hipache dead
-- channel (channels are not keys: in KEYS they would break Redis Cluster's one-slot rule)
-- native:  ZADD url with the expiry as score, drop lapsed members, and let the key expire with its last member
-- hipache: as hipache did, SADD the index and EXPIRE the set, only when the frontend has more than one backend
local schema, name, url, index, count = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
if schema == 'native' then
  redis.call('ZADD', KEYS[1], ARGV[6], url)
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[8])
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if #last == 2 then redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2]))) end
elseif count > 1 then
  redis.call('SADD', KEYS[1], index)
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
end
redis.call('PUBLISH', ARGV[10], name .. ';' .. url .. ';' .. index .. ';' .. count)
-- For routers on a Redis without keyspace events.
redis.call('PUBLISH', ARGV[9], name)
return 1
