#!/usr/bin/env bash
# Unknown-host flood: wrk sends every request with a new random Host name (no route) to one router on a stock Redis
# (no configuration file). Prints requests, Redis commands per request and the router's RSS before and after.
# Usage: bench/unknown-host-flood.sh [duration=20s] [connections=32]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
duration=${1:-20s}; connections=${2:-32}
work=$(mktemp -d /tmp/entrance-flood.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
router_port=$(free_port); redis_port=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work" --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null
dotnet "$root/src/Router/bin/Release/net10.0/Entrance.Router.dll" --urls "http://127.0.0.1:$router_port" \
  --Entrance:Redis "127.0.0.1:$redis_port" --Entrance:AccessLog:Output off --Entrance:AdminUrls "" --Serilog:MinimumLevel:Default Warning >"$work/router.log" 2>&1 &
router_pid=$!; pids+=($router_pid)
for _ in $(seq 100); do curl -s -o /dev/null -H 'Host: __ping__' "http://127.0.0.1:$router_port/" && break; sleep 0.1; done
cat > "$work/random-host.lua" <<'LUA'
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function() return wrk.format("GET", "/", { Host = "h" .. math.random(1, 2^31) .. math.random(1, 2^31) .. ".flood.example.com" }) end
LUA
rss() { awk '/VmRSS/ {printf "%d MiB", $2/1024}' "/proc/$router_pid/status"; }
calls() { redis-cli -p "$redis_port" INFO commandstats | awk -F'[=,:]' '/^cmdstat_/ && !/cmdstat_(info|ping|subscribe|psubscribe)/ {s+=$3} END {print s+0}'; }
echo "router RSS before: $(rss)"
before=$(calls)
out=$(wrk -t2 -c"$connections" -d"$duration" -s "$work/random-host.lua" "http://127.0.0.1:$router_port/")
after=$(calls)
requests=$(echo "$out" | awk '/requests in/ {print $1}')
echo "$out" | grep -E "Requests/sec|requests in"
python3 -c "print(f'redis commands/request {($after - $before) / $requests:.3f}  ({$after - $before} commands over {$requests} requests)')"
echo "router RSS after: $(rss)"
