-- Entrance: add backends to one route name (entrance route add), atomically, publishing entrance:changed when anything changed.
-- KEYS[1] backends SET, KEYS[2] hipache frontend LIST, KEYS[3] changed channel (not a key; passed for clarity)
-- ARGV[1] route name, ARGV[2..] backend URLs
-- A name that exists only as a hipache frontend gets the URLs appended to its list: a new native set would shadow
-- the frontend and silently drop its other backends.
-- Returns { schema ('native' | 'hipache'), added... }
local name = ARGV[1]
local added = {}
local schema = 'native'
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('LLEN', KEYS[2]) > 0 then
  schema = 'hipache'
  local have = {}
  for _, u in ipairs(redis.call('LRANGE', KEYS[2], 1, -1)) do have[u] = true end
  for i = 2, #ARGV do
    if not have[ARGV[i]] then
      redis.call('RPUSH', KEYS[2], ARGV[i]); have[ARGV[i]] = true; table.insert(added, ARGV[i])
    end
  end
else
  for i = 2, #ARGV do
    if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then table.insert(added, ARGV[i]) end
  end
end
if #added > 0 then redis.call('PUBLISH', KEYS[3], name) end
local result = { schema }
for _, u in ipairs(added) do table.insert(result, u) end
return result
