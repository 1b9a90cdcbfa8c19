-- Entrance: the fleet lease (entrance:fleet-leader), held by one router at a time for fleet-wide work.
-- KEYS[1] lease STRING
-- ARGV[1] op: acquire | release, ARGV[2] holder id, ARGV[3] lease (ms)
-- acquire: renews the lease when this id holds it (compare-and-set), takes it when nobody does (SET NX PX).
--          Returns 1 when this id holds the lease for ARGV[3] ms from now, else 0.
-- release: deletes the lease only when this id holds it (a late release never drops a successor's lease).
local holder = redis.call('GET', KEYS[1])
if ARGV[1] == 'release' then
  if holder == ARGV[2] then redis.call('DEL', KEYS[1]); return 1 end
  return 0
end
if holder == ARGV[2] then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
