#!/usr/bin/env bash
# Measures how fast a running router serves a change made with the `entrance` CLI (issue 5 goal: within 100 ms).
# Starts redis-server (redis/redis.conf), two static backends (python3 http.server answering "blue" / "green") and the
# router with a 30 s cache TTL, so only the CLI's PUBLISH entrance:changed can make a change visible quickly.
# Each round switches app.example.com between the backends with `entrance apply` and polls the router with curl.
# Prints, per round, the ms from the CLI's exit to the first response from the new backend (and how many requests
# that took; 1 means the change was already live for the first request), then min/median/max. Each figure includes a
# curl process start and the router's first connection to the new backend, so it is an upper bound.
# Usage: bench/cli-propagation.sh [rounds]
set -euo pipefail
ROUNDS=${1:-20}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(port); ROUTER_PORT=$(port); BLUE_PORT=$(port); GREEN_PORT=$(port)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -f $WORK/redis.pid ]] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true
  sleep 0.2
  rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

dotnet build "$ROOT/src/Cli/Entrance.Cli.csproj" -c Release -v q -nologo >/dev/null
dotnet build "$ROOT/src/Router/Entrance.Router.csproj" -c Release -v q -nologo >/dev/null
ENTRANCE="dotnet $ROOT/src/Cli/bin/Release/net10.0/entrance.dll --redis 127.0.0.1:$REDIS_PORT"

redis-server "$ROOT/redis/redis.conf" --port "$REDIS_PORT" --dir "$WORK" --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
until redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; do sleep 0.05; done
for c in blue green; do mkdir -p "$WORK/$c"; echo -n "$c" > "$WORK/$c/index.html"; done
python3 -m http.server "$BLUE_PORT" --bind 127.0.0.1 --directory "$WORK/blue" >/dev/null 2>&1 & PIDS+=($!)
python3 -m http.server "$GREEN_PORT" --bind 127.0.0.1 --directory "$WORK/green" >/dev/null 2>&1 & PIDS+=($!)
dotnet "$ROOT/src/Router/bin/Release/net10.0/Entrance.Router.dll" --urls "http://127.0.0.1:$ROUTER_PORT" \
  --Entrance:Redis "127.0.0.1:$REDIS_PORT" --Entrance:CacheTtl 00:00:30 --Logging:LogLevel:Default Warning >"$WORK/router.log" 2>&1 & PIDS+=($!)
until curl -s -o /dev/null "http://127.0.0.1:$ROUTER_PORT/"; do sleep 0.1; done

get() { curl -s --max-time 2 -H "Host: app.example.com" "http://127.0.0.1:$ROUTER_PORT/index.html" || true; }
$ENTRANCE route add app.example.com "http://127.0.0.1:$BLUE_PORT" --quiet
until [[ $(get) == blue ]]; do sleep 0.05; done

results=()
current=blue
for ((i = 1; i <= ROUNDS; i++)); do
  if [[ $current == blue ]]; then next=green; p=$GREEN_PORT; else next=blue; p=$BLUE_PORT; fi
  get >/dev/null # make sure the old answer is cached
  b0=$(date +%s%N); get >/dev/null; baseline=$(( ($(date +%s%N) - b0) / 1000000 )) # one request to a cached route
  printf 'hosts:\n  - host: app.example.com\n    backends: ["http://127.0.0.1:%s"]\n' "$p" | $ENTRANCE apply -f - --quiet
  start=$(date +%s%N)
  polls=1
  until [[ $(get) == "$next" ]]; do polls=$((polls + 1)); done
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  results+=("$ms")
  # polls=1: the very first request after the CLI exited already reached the new backend.
  echo "round $i: $current -> $next served after ${ms} ms ($polls request(s); one request to a cached route took ${baseline} ms)"
  current=$next
done
printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {printf "CLI -> router propagation over %d rounds: min %d ms, median %d ms, max %d ms (cache TTL 30 s; includes one curl round trip)\n", NR, a[1], a[int((NR+1)/2)], a[NR]}'
