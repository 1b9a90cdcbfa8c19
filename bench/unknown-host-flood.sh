#!/usr/bin/env bash
# Unknown-host flood: wrk sends every request with a new random Host name (no route) to one router on a stock Redis
# (no configuration file: invalidation by CLIENT TRACKING, so the wildcard index is trusted). A few wildcard routes
# exist, none matching the flood. Each round starts a fresh router per mode, interleaved:
#   nobudget  Entrance:LookupBudget off: every request is a Redis lookup; fills the 100,000-entry cache (RSS figure)
#   budget    the default budgets (one client address: 100 misses/s, burst 1,000; router 5,000/s, burst 50,000)
#   noindex   budget off and Entrance:WildcardIndex=false: the lookup cost before the index
#   known     budget off, 100,000 declared routes (settings only: 502 no-backends, no backend touched) requested in
#             turn: the RSS of cached routes rather than "not found" answers
# Prints per run: requests, req/s, Redis commands per request and per lookup that reached Redis (script-internal calls
# counted), 503 lookup-budget answers, router RSS before/after, GC heap after. Traffic stays on 127.0.0.1.
# Usage: bench/unknown-host-flood.sh [duration=20s] [connections=32] [rounds=1] [modes="nobudget budget noindex"]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
duration=${1:-20s}; connections=${2:-32}; rounds=${3:-1}; modes=${4:-"nobudget budget noindex"}
work=$(mktemp -d /tmp/entrance-flood.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work" --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
for w in '*.apps.example.net' '*.eu.example.org' '*.preview.example.io'; do redis-cli -p "$redis_port" SADD "entrance:backends:$w" http://127.0.0.1:9 >/dev/null; done
dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null
cat > "$work/random-host.lua" <<'LUA'
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function() return wrk.format("GET", "/", { Host = "h" .. math.random(1, 2^31) .. math.random(1, 2^31) .. ".flood.example.com" }) end
LUA
cat > "$work/known-host.lua" <<'LUA'
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local n = math.random(0, 99999)
request = function() n = (n + 1) % 100000; return wrk.format("GET", "/", { Host = "k" .. n .. ".known.example.com" }) end
LUA
if [[ " $modes " == *" known "* ]]; then
  python3 -c 'import sys
for i in range(100000):
    n = f"entrance:host:k{i}.known.example.com"
    sys.stdout.write(f"*4\r\n$4\r\nHSET\r\n${len(n)}\r\n{n}\r\n$2\r\nlb\r\n$6\r\nrandom\r\n")' | redis-cli -p "$redis_port" --pipe >/dev/null
fi
calls() { redis-cli -p "$redis_port" INFO commandstats | awk -F'[=,:]' '/^cmdstat_/ && !/cmdstat_(info|ping|subscribe|psubscribe|client|config|scan|hello|cluster|echo|script|select)/ {s+=$3} END {print s+0}'; }
metric() { curl -s "http://127.0.0.1:$admin_port/metrics" | awk -v m="$1" '$1 == m {print $2; f=1} END {if (!f) print 0}'; }

run() {
  local mode=$1 extra=()
  case $mode in
    nobudget) extra=(--Entrance:LookupBudget:PerClientPerSecond 0 --Entrance:LookupBudget:PerRouterPerSecond 0) ;;
    budget) ;;
    noindex) extra=(--Entrance:LookupBudget:PerClientPerSecond 0 --Entrance:LookupBudget:PerRouterPerSecond 0 --Entrance:WildcardIndex false) ;;
    known) extra=(--Entrance:LookupBudget:PerClientPerSecond 0 --Entrance:LookupBudget:PerRouterPerSecond 0) ;;
  esac
  local script="$work/random-host.lua"; [ "$mode" = known ] && script="$work/known-host.lua"
  router_port=$(free_port); admin_port=$(free_port)
  dotnet "$root/src/Router/bin/Release/net10.0/Entrance.Router.dll" --urls "http://127.0.0.1:$router_port" \
    --Entrance:Redis "127.0.0.1:$redis_port" --Entrance:AccessLog:Output off --Entrance:AdminUrls "http://127.0.0.1:$admin_port" \
    --Entrance:Fleet:Enabled false --Serilog:MinimumLevel:Default Warning "${extra[@]}" >"$work/router.log" 2>&1 &
  local router_pid=$!; pids+=($router_pid)
  for _ in $(seq 100); do curl -s -o /dev/null -H 'Host: __ping__' "http://127.0.0.1:$router_port/" && break; sleep 0.1; done
  sleep 2 # tracking registered and the wildcard index scanned
  local rss_before; rss_before=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$router_pid/status")
  local before; before=$(calls)
  local out; out=$(wrk -t2 -c"$connections" -d"$duration" -s "$script" "http://127.0.0.1:$router_port/")
  local after; after=$(calls)
  local rss_after; rss_after=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$router_pid/status")
  local requests rps misses rejected entries heap
  requests=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}')
  misses=$(metric 'entrance_cache_lookups_total{result="miss"}')
  rejected=$(curl -s "http://127.0.0.1:$admin_port/metrics" | awk '/^entrance_lookup_budget_rejections_total/ {s+=$2} END {print s+0}')
  entries=$(metric entrance_cache_entries)
  heap=$(metric dotnet_total_memory_bytes | awk '{printf "%d", $1/1048576}')
  kill "$router_pid"; wait "$router_pid" 2>/dev/null || true
  python3 - "$mode" "$requests" "$rps" "$((after - before))" "$misses" "$rejected" "$rss_before" "$rss_after" "$entries" "$heap" <<'PY'
import sys
mode, req, rps, cmds, misses, rej, rb, ra, entries, heap = sys.argv[1:]
req, cmds, misses, rej = int(req), int(cmds), float(misses), float(rej)
per_req = cmds / req if req else 0
per_miss = cmds / misses if misses else 0
print(f"{mode:<9} {req:>9} {rps:>7} {per_req:>9.2f} {per_miss:>10.2f} {int(rej):>9} {rb:>6} {ra:>6} {int(float(entries)):>8} {heap:>6}")
PY
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); duration $duration, $connections connections, $rounds round(s)"
printf "%-9s %9s %7s %9s %10s %9s %6s %6s %8s %6s\n" mode requests req/s cmds/req cmds/miss 503-budget rss0MiB rss1MiB cached heapMiB
for _ in $(seq "$rounds"); do
  for mode in $modes; do run "$mode"; done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
