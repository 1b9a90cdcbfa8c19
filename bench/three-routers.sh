#!/usr/bin/env bash
# Change-to-served across three routers on one stock Redis (no configuration file), and Redis commands/s under steady
# load with three routers. Six router processes: three with CLIENT TRACKING, three without (for the keyspace-event and
# PUBLISH paths). The measuring side is bench/Entrance.Bench (`three-routers latency|load`): it writes with
# StackExchange.Redis (no redis-cli spawn per change), serves both backends in-process (Kestrel, keep-alive), and polls
# the three routers of a path at once, each on its own keep-alive connection, from just before the write until each
# serves the new backend. Paths are interleaved round by round; repeat with REPEAT=3 to see the spread.
# Usage: [REPEAT=1] [LOAD_SECONDS=10] [LOAD_RATE=600] bench/three-routers.sh [rounds=50]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds=${1:-50}; repeat=${REPEAT:-1}; load_seconds=${LOAD_SECONDS:-10}; load_rate=${LOAD_RATE:-600}
work=$(mktemp -d /tmp/entrance-three.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work" --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
dotnet build "$root/bench/Entrance.Bench/Entrance.Bench.csproj" -c Release -v quiet -nologo >/dev/null
router_dll="$root/src/Router/bin/Release/net10.0/Entrance.Router.dll"
bench_dll="$root/bench/Entrance.Bench/bin/Release/net10.0/Entrance.Bench.dll"
[ -f "$router_dll" ] || dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null

start_router() { # tracking(true|false) -> prints its URL; its pid goes to $work/pids-<tracking>
  local p; p=$(free_port)
  dotnet "$router_dll" --urls "http://127.0.0.1:$p" --Entrance:Redis "127.0.0.1:$redis_port" \
    --Entrance:CacheTtl 00:00:30 --Entrance:ClientTracking "$1" --Entrance:AccessLog:Output off --Entrance:AdminUrls "" \
    --Serilog:MinimumLevel:Default Warning >"$work/router-$p.log" 2>&1 &
  echo $! >>"$work/pids-$1"
  echo "http://127.0.0.1:$p"
}
tracking=(); polling=()
for _ in 1 2 3; do tracking+=("$(start_router true)"); polling+=("$(start_router false)"); done
while read -r p; do pids+=("$p"); done < <(cat "$work/pids-true" "$work/pids-false")
for u in "${tracking[@]}" "${polling[@]}"; do
  for _ in $(seq 300); do curl -s -o /dev/null -H 'Host: __ping__' "$u/" && break; sleep 0.1; done
done
# Subscribed (3 + 3 on entrance:changed) and tracking registered (3 clients with the tracking flag), not a fixed sleep.
for _ in $(seq 300); do
  subs=$(redis-cli -p "$redis_port" PUBSUB NUMSUB entrance:changed | tail -1)
  tracked=$(redis-cli -p "$redis_port" CLIENT LIST | grep -c 'flags=[^ ]*t' || true)
  [ "$subs" = 6 ] && [ "$tracked" = 3 ] && break; sleep 0.1
done
[ "$subs" = 6 ] && [ "$tracked" = 3 ] || { echo "routers not ready: $subs subscribed, $tracked tracking" >&2; exit 1; }

join() { local IFS=,; echo "$*"; }
for r in $(seq "$repeat"); do
  [ "$repeat" -gt 1 ] && echo "--- run $r of $repeat"
  dotnet "$bench_dll" three-routers latency --redis "127.0.0.1:$redis_port" --tracking "$(join "${tracking[@]}")" \
    --polling "$(join "${polling[@]}")" --rounds "$rounds"
done

# Steady load on the three tracking routers only: stop the others so their connections do not count.
while read -r p; do kill "$p" 2>/dev/null || true; done <"$work/pids-false"
sleep 1
dotnet "$bench_dll" three-routers load --redis "127.0.0.1:$redis_port" --routers "$(join "${tracking[@]}")" \
  --seconds "$load_seconds" --rate "$load_rate"
