#!/usr/bin/env bash
# Measures active health-check detection across two routers (issue 15 figure): how long from a backend starting to
# fail its health check until it is marked dead in Redis and both routers stop sending it traffic, and from it passing
# again until the mark is cleared and both routers use it again.
# Starts redis-server (redis/redis.conf), two static backends (python3 http.server; /health is a file, removed to fail:
# 404) and two routers sharing the fleet lease (one probes). The route has health_path /health, the given interval,
# health_fails 3 and health_passes 2. Each round removes the green backend's /health file, polls Redis every 20 ms for
# the dead mark and both routers until 10 answers in a row from each are "blue"; then restores the file and polls
# until the mark is gone and both routers answer "green" again. Each figure includes curl process starts.
# Polling is done by measure.py from one process with persistent connections (a curl per poll took up to a second
# on a loaded machine and swamped the figure).
# Usage: [CONFIG=Release] bench/health-checks/run.sh [rounds] [interval, e.g. 5s]
set -euo pipefail
ROUNDS=${1:-3}
INTERVAL=${2:-5s}
CONFIG=${CONFIG:-Release}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(port); R1=$(port); R2=$(port); A1=$(port); A2=$(port); BLUE_PORT=$(port); GREEN_PORT=$(port)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -f $WORK/redis.pid ]] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true
  sleep 0.2
  rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

[[ $CONFIG == Release ]] && dotnet build "$ROOT/src/Router/Entrance.Router.csproj" -c Release -v q -nologo >/dev/null
ROUTER="$ROOT/src/Router/bin/$CONFIG/net10.0/Entrance.Router.dll"
CLI="redis-cli -p $REDIS_PORT"

redis-server "$ROOT/redis/redis.conf" --port "$REDIS_PORT" --dir "$WORK" --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
until $CLI ping >/dev/null 2>&1; do sleep 0.05; done
for c in blue green; do mkdir -p "$WORK/$c"; echo -n "$c" > "$WORK/$c/index.html"; echo ok > "$WORK/$c/health"; done
python3 -m http.server "$BLUE_PORT" --bind 127.0.0.1 --directory "$WORK/blue" >/dev/null 2>&1 & PIDS+=($!)
python3 -m http.server "$GREEN_PORT" --bind 127.0.0.1 --directory "$WORK/green" >/dev/null 2>&1 & PIDS+=($!)
for pair in "$R1 $A1" "$R2 $A2"; do
  set -- $pair
  dotnet "$ROUTER" --urls "http://127.0.0.1:$1" --Entrance:AdminUrls "http://127.0.0.1:$2" --Entrance:Redis "127.0.0.1:$REDIS_PORT" \
    --Entrance:AccessLog:Output off --Serilog:MinimumLevel:Default Warning >"$WORK/router-$1.log" 2>&1 & PIDS+=($!)
done
for r in $R1 $R2; do until curl -s -o /dev/null "http://127.0.0.1:$r/"; do sleep 0.1; done; done

$CLI SADD entrance:backends:app.example.com "http://127.0.0.1:$BLUE_PORT" "http://127.0.0.1:$GREEN_PORT" >/dev/null
$CLI HSET entrance:host:app.example.com lb round-robin health_path /health health_interval "$INTERVAL" health_fails 3 health_passes 2 >/dev/null
get() { curl -s --max-time 2 -H "Host: app.example.com" "http://127.0.0.1:$1/index.html" || true; }
green_seen() { for r in $R1 $R2; do local seen=0; for _ in 1 2 3 4; do [[ $(get "$r") == green ]] && seen=1; done; ((seen)) || return 1; done; }
until green_seen; do sleep 0.1; done
sleep 12 # discovery (10 s) and the first probes
leaders=$(for a in $A1 $A2; do curl -s "http://127.0.0.1:$a/metrics" | awk '/^entrance_fleet_leader /{print $2}'; done | paste -sd+ | bc)
echo "routers leading: $leaders (one checker)"
python3 "$ROOT/bench/health-checks/measure.py" "$REDIS_PORT" "$R1" "$R2" "$GREEN_PORT" "$WORK/green" "$ROUNDS" "$INTERVAL"
probes=$(for a in $A1 $A2; do curl -s "http://127.0.0.1:$a/metrics" | awk '/^entrance_health_probes_total/{s+=$2} END {print s+0}'; done | paste -sd' ')
echo "health probes sent per router: $probes"
