#!/usr/bin/env bash
# Path-route benchmark (issue 15): one router, two sets of N hosts on the same backend, alternating rounds:
#   plain:  appK.bench.local, a host route only, GET /
#   paths:  pathK.bench.local, a host route plus path routes /api, /api/v2 (strip_prefix 1), /static, /api/v2/admin,
#           GET /api/v2/orders (the longest-prefix match walks the other prefixes first, then strips)
# Prints req/s per round, the median paths/plain ratio, and Redis round trips (script runs) and commands per request.
# Usage: [ROUNDS=3] [STICKY=1] bench/proxy/paths.sh [duration=10s] [connections=64] [threads=2] [hosts=1000]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/local/common.sh"
apt_install redis-server redis-tools nginx wrk

duration=${1:-10s}; connections=${2:-64}; threads=${3:-2}; hosts=${4:-1000}; rounds=${ROUNDS:-3}
work=$(mktemp -d /tmp/entrance-bench-paths.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
backend_port=$(free_port); router_port=$(free_port); admin_port=$(free_port); redis_port=$(free_port)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server { listen 127.0.0.1:$backend_port; keepalive_requests 100000; location / { return 200 "ok"; } }
}
NGINX
nginx -c "$work/nginx.conf"

redis-server "$root/redis/redis.conf" --port "$redis_port" --dir "$work" --appendonly no --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
backend="http://127.0.0.1:$backend_port"
for k in $(seq "$hosts"); do
  echo "SADD entrance:backends:app$k.bench.local $backend"
  echo "SADD entrance:backends:path$k.bench.local $backend"
  for p in /api /api/v2 /static /api/v2/admin; do
    echo "SADD entrance:backends:path$k.bench.local$p $backend"
    echo "SADD entrance:paths:path$k.bench.local $p"
  done
  echo "HSET entrance:host:path$k.bench.local/api/v2 strip_prefix 1"
  # STICKY=1: sticky sessions on the path hosts too (wrk sends no cookie, so every answer sets one: the costly case).
  if [ "${STICKY:-0}" = 1 ]; then echo "HSET entrance:host:path$k.bench.local sticky 1"; fi
done | redis-cli -p "$redis_port" --pipe >/dev/null

dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null
dotnet "$root/src/Router/bin/Release/net10.0/Entrance.Router.dll" --urls "http://127.0.0.1:$router_port" \
  --Entrance:AdminUrls "http://127.0.0.1:$admin_port" --Entrance:Redis "127.0.0.1:$redis_port" --Serilog:MinimumLevel:Default Warning ${ENTRANCE_ROUTER_ARGS:-} >"$work/router.log" 2>&1 &
router_pid=$!
pids+=($router_pid)
for _ in $(seq 100); do curl -s -o /dev/null -H 'Host: __ping__' "http://127.0.0.1:$router_port/" && break; sleep 0.1; done
seen=$(curl -s -D - -o /dev/null -H 'Host: path1.bench.local' "http://127.0.0.1:$router_port/api/v2/orders" | head -1)
echo "check: path1.bench.local/api/v2/orders -> $seen"

router_requests() { curl -s "http://127.0.0.1:$admin_port/metrics" | awk '/^entrance_requests_total\{/ {r+=$2} END {printf "%d\n", r}'; }
redis_stat() { # all | scripts
  redis-cli -p "$redis_port" INFO commandstats | awk -F'[=,:]' -v what="$1" '
    /^cmdstat_/ && !/cmdstat_(info|ping|ssubscribe|subscribe|psubscribe)/ { if (what == "all" || $1 ~ /^cmdstat_eval/) s += $3 }
    END {print s+0}'
}

run_wrk() { # label stem path -> prints a line, sets $rps
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$root/bench/proxy/rotate-hosts.lua" "http://127.0.0.1:$router_port/" -- "$hosts" "$2" "$3")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  local p99 errors
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ' || true)
  printf "%-28s %12s req/s   p99 %-9s %s\n" "$1" "$rps" "$p99" "$errors"
}

echo "wrk -t$threads -c$connections -d$duration, $hosts hosts per mode, $(nproc) cores, $rounds rounds"
wrk -t"$threads" -c"$connections" -d10s -s "$root/bench/proxy/rotate-hosts.lua" "http://127.0.0.1:$router_port/" -- "$hosts" app / >/dev/null
wrk -t"$threads" -c"$connections" -d10s -s "$root/bench/proxy/rotate-hosts.lua" "http://127.0.0.1:$router_port/" -- "$hosts" path /api/v2/orders >/dev/null
plain_all=(); paths_all=(); stats=()
for round in $(seq "$rounds"); do
  r0=$(router_requests); a0=$(redis_stat all); s0=$(redis_stat scripts)
  run_wrk "plain host routes" app /; plain_all+=("$rps")
  r1=$(router_requests); a1=$(redis_stat all); s1=$(redis_stat scripts)
  run_wrk "path routes (/api/v2/...)" path /api/v2/orders; paths_all+=("$rps")
  r2=$(router_requests); a2=$(redis_stat all); s2=$(redis_stat scripts)
  stats+=("$r0 $a0 $s0 $r1 $a1 $s1 $r2 $a2 $s2")
done

python3 - "${plain_all[*]}" "${paths_all[*]}" "${stats[@]}" <<'PY'
import statistics, sys
plain = [float(x) for x in sys.argv[1].split()]
paths = [float(x) for x in sys.argv[2].split()]
ratios = [p / q for p, q in zip(paths, plain)]
print(f"plain median           {statistics.median(plain):12.2f} req/s")
print(f"paths median           {statistics.median(paths):12.2f} req/s")
print(f"paths/plain ratio      {statistics.median(ratios):.3f} median  (rounds: {' '.join(f'{x:.3f}' for x in ratios)})")
tot = {"plain": [0, 0, 0], "paths": [0, 0, 0]}
for s in sys.argv[3:]:
    r0, a0, s0, r1, a1, s1, r2, a2, s2 = map(float, s.split())
    for mode, (ra, aa, sa, rb, ab, sb) in (("plain", (r0, a0, s0, r1, a1, s1)), ("paths", (r1, a1, s1, r2, a2, s2))):
        tot[mode][0] += rb - ra; tot[mode][1] += ab - aa; tot[mode][2] += sb - sa
for mode, (req, cmds, scripts) in tot.items():
    if req > 0:
        print(f"{mode:6} redis round trips/request {scripts / req:.5f}, commands/request {cmds / req:.5f} (inside scripts included)")
PY
