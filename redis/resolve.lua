-- Entrance route resolution: one EVALSHA per cache miss, a consistent snapshot of every candidate key.
-- KEYS: five per candidate route name, in lookup order (exact, wildcards longest first, catch-all):
--   backends SET, settings HASH, native dead ZSET, hipache frontend LIST, hipache dead SET
-- ARGV[1]: now, unix milliseconds (native dead marks scored at or below it have expired)
-- Returns nil when nothing matches, else:
--   { schema, candidate (1-based), urls, settings (flat field/value), dead, dead_pttl }
--   native:  urls = SMEMBERS, dead = { url, expiry_ms, ... } still in force
--   hipache: urls = LRANGE frontend (identifier first), dead = SMEMBERS indexes, dead_pttl = PTTL of the dead set
--   declared: only the settings hash exists (a host with no backends yet); urls empty
for i = 1, #KEYS, 5 do
  local candidate = (i - 1) / 5 + 1
  local urls = redis.call('SMEMBERS', KEYS[i])
  if #urls > 0 then
    return { 'native', candidate, urls, redis.call('HGETALL', KEYS[i + 1]),
             redis.call('ZRANGEBYSCORE', KEYS[i + 2], '(' .. ARGV[1], '+inf', 'WITHSCORES'), -1 }
  end
  local frontend = redis.call('LRANGE', KEYS[i + 3], 0, -1)
  if #frontend > 0 then
    return { 'hipache', candidate, frontend, redis.call('HGETALL', KEYS[i + 1]),
             redis.call('SMEMBERS', KEYS[i + 4]), redis.call('PTTL', KEYS[i + 4]) }
  end
  if redis.call('EXISTS', KEYS[i + 1]) == 1 then
    return { 'declared', candidate, {}, redis.call('HGETALL', KEYS[i + 1]), {}, -1 }
  end
end
return false
