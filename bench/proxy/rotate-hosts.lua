-- wrk: rotate the Host header over N hosts (app1.bench.local … appN.bench.local), N from the first script argument.
-- Optional second and third arguments: the host name's first part (default app) and the request path (default /),
-- e.g. `-- 1000 path /api/v2/orders` for the path-route mode of bench/proxy/paths.sh.
local hosts = {}
local n = 1000
local i = 0
local path = "/"

function init(args)
  n = tonumber(args[1] or "1000")
  local stem = args[2] or "app"
  path = args[3] or "/"
  for k = 1, n do hosts[k] = stem .. k .. ".bench.local" end
  -- Threads start at different offsets so they do not walk the hosts in lockstep.
  i = math.random(n)
end

function request()
  i = (i % n) + 1
  return wrk.format("GET", path, { ["Host"] = hosts[i] })
end
