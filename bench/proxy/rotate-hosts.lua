-- wrk: rotate the Host header over N hosts (app1.bench.local … appN.bench.local), N from the first script argument.
local hosts = {}
local n = 1000
local i = 0

function init(args)
  n = tonumber(args[1] or "1000")
  for k = 1, n do hosts[k] = "app" .. k .. ".bench.local" end
  -- Threads start at different offsets so they do not walk the hosts in lockstep.
  i = math.random(n)
end

function request()
  i = (i % n) + 1
  return wrk.format("GET", "/", { ["Host"] = hosts[i] })
end
