#!/usr/bin/env bash
# Proxy benchmark: wrk against (1) the backend directly, (2) nginx as a static reverse proxy to it,
# (3) the Entrance router with 1,000 hosts in Redis, Host rotating over them.
# Prints req/s, p50 and p99 for each, the median router/nginx ratio over alternating rounds, Redis commands,
# CPU time and managed bytes allocated per proxied request, and the router's RSS.
# Usage: [ROUNDS=3] bench/proxy/run.sh [duration=15s] [connections=64] [threads=2] [hosts=1000]
# Stock Redis (no config file, no keyspace events): REDIS_STOCK=1 bench/proxy/run.sh
# Extra router settings: ENTRANCE_ROUTER_ARGS='--Entrance:AccessLog:Output off' bench/proxy/run.sh
# FLOOR=0 leaves out the floor: Kestrel + YARP's forwarder to the one backend and nothing else (bench/proxy/Floor),
# what Entrance's own stack costs before any lookup, metric or log line.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/local/common.sh"
apt_install redis-server redis-tools nginx wrk

duration=${1:-15s}; connections=${2:-64}; threads=${3:-2}; hosts=${4:-1000}; rounds=${ROUNDS:-3}
work=$(mktemp -d /tmp/entrance-bench.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
backend_port=$(free_port); nginx_port=$(free_port); router_port=$(free_port); admin_port=$(free_port); redis_port=$(free_port); floor_port=$(free_port)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Backend and reference proxy: one nginx, two servers. The backend answers a fixed 2-byte body.
cat > "$work/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:$backend_port; keepalive 128; }
  server { listen 127.0.0.1:$backend_port; keepalive_requests 100000; location / { return 200 "ok"; } }
  server {
    listen 127.0.0.1:$nginx_port; keepalive_requests 100000;
    location / {
      proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Real-IP \$remote_addr; proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf"

# REDIS_STOCK=1: Redis as packaged, no configuration file (no keyspace events): invalidation by CLIENT TRACKING only.
redis_conf=("$root/redis/redis.conf"); [ "${REDIS_STOCK:-0}" = 1 ] && redis_conf=(--bind 127.0.0.1)
redis-server "${redis_conf[@]}" --port "$redis_port" --dir "$work" --appendonly no --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
for k in $(seq "$hosts"); do echo "SADD entrance:backends:app$k.bench.local http://127.0.0.1:$backend_port"; done | redis-cli -p "$redis_port" --pipe >/dev/null

dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null
dotnet "$root/src/Router/bin/Release/net10.0/Entrance.Router.dll" --urls "http://127.0.0.1:$router_port" \
  --Entrance:AdminUrls "http://127.0.0.1:$admin_port" --Entrance:Redis "127.0.0.1:$redis_port" --Serilog:MinimumLevel:Default Warning ${ENTRANCE_ROUTER_ARGS:-} >"$work/router.log" 2>&1 &
router_pid=$!
pids+=($router_pid)
for _ in $(seq 100); do curl -s -o /dev/null -H 'Host: __ping__' "http://127.0.0.1:$router_port/" && break; sleep 0.1; done
floor=${FLOOR:-1}
if [ "$floor" = 1 ]; then
  dotnet build "$root/bench/proxy/Floor/Entrance.Bench.Floor.csproj" -c Release -v quiet -nologo >/dev/null
  DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet "$root/bench/proxy/Floor/bin/Release/net10.0/Entrance.Bench.Floor.dll" "http://127.0.0.1:$floor_port" "http://127.0.0.1:$backend_port" >"$work/floor.log" 2>&1 &
  floor_pid=$!
  pids+=($floor_pid)
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$floor_port/" && break; sleep 0.1; done
fi
# CPU seconds (user + system) of a process so far, from /proc.
cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }

run_wrk() { # name url
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency -s "$root/bench/proxy/rotate-hosts.lua" "$2" -- "$hosts")
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errors=$(echo "$out" | grep -E "Non-2xx|Socket errors" | tr '\n' ' ' || true)
  wrk_requests=$(echo "$out" | awk '/requests in/ {print $1}')
  printf "%-22s %12s req/s   p50 %-9s p99 %-9s %s\n" "$1" "$rps" "$p50" "$p99" "$errors"
  eval "${3}=$rps"
}

# The router's own counters: requests answered, CPU seconds (prometheus-net's process collector) and bytes allocated
# (the runtime's System.Runtime meter), from /metrics on the admin port.
router_counters() {
  curl -s "http://127.0.0.1:$admin_port/metrics" | awk '
    /^entrance_requests_total\{/ {r+=$2} /^process_cpu_seconds_total / {c=$2} /^system_runtime_dotnet_gc_heap_total_allocated / {a=$2}
    END {printf "%d %s %s\n", r, c, a}'
}

redis_calls() { redis-cli -p "$redis_port" INFO commandstats | awk -F'[=,:]' '/^cmdstat_/ && !/cmdstat_(info|ping|ssubscribe|subscribe|psubscribe)/ {s+=$3} END {print s+0}'; }

echo "wrk -t$threads -c$connections -d$duration, $hosts hosts, $(nproc) cores, $rounds rounds"
run_wrk "backend (direct)" "http://127.0.0.1:$backend_port/" backend_rps
# Warm-up pass fills the router's cache and lets the JIT finish tiering up (3 s was not enough); measured passes are steady state.
wrk -t"$threads" -c"$connections" -d10s -s "$root/bench/proxy/rotate-hosts.lua" "http://127.0.0.1:$router_port/" -- "$hosts" >/dev/null
[ "$floor" = 1 ] && wrk -t"$threads" -c"$connections" -d10s "http://127.0.0.1:$floor_port/" >/dev/null
floor_all=(); floor_cpu=0; floor_requests=0
before=$(redis_calls); counters_before=$(router_counters)
# nginx and the router alternate, so a slow spell of a shared machine hits both and the median ratio stays honest.
nginx_all=(); router_all=()
for round in $(seq "$rounds"); do
  run_wrk "nginx reverse proxy" "http://127.0.0.1:$nginx_port/" nginx_rps
  run_wrk "entrance router" "http://127.0.0.1:$router_port/" router_rps
  nginx_all+=("$nginx_rps"); router_all+=("$router_rps")
  if [ "$floor" = 1 ]; then
    c0=$(cpu_seconds "$floor_pid")
    run_wrk "floor (bare YARP)" "http://127.0.0.1:$floor_port/" floor_rps
    c1=$(cpu_seconds "$floor_pid")
    floor_all+=("$floor_rps"); floor_cpu=$(python3 -c "print($floor_cpu + $c1 - $c0)"); floor_requests=$((floor_requests + wrk_requests))
  fi
done
after=$(redis_calls); counters_after=$(router_counters)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$router_pid/status")

python3 - "${nginx_all[*]}" "${router_all[*]}" "${floor_all[*]}" "$floor_cpu" "$floor_requests" "$before" "$after" "$rss_kb" $counters_before $counters_after <<'PY'
import statistics, sys
nginx = [float(x) for x in sys.argv[1].split()]
router = [float(x) for x in sys.argv[2].split()]
floor = [float(x) for x in sys.argv[3].split()]
floor_cpu, floor_requests = float(sys.argv[4]), float(sys.argv[5])
before, after, rss, r0, cpu0, alloc0, r1, cpu1, alloc1 = map(float, sys.argv[6:])
ratios = [r / n for r, n in zip(router, nginx)]
print(f"nginx median           {statistics.median(nginx):12.2f} req/s")
print(f"router median          {statistics.median(router):12.2f} req/s")
print(f"router/nginx ratio     {statistics.median(ratios):.2f} median  (rounds: {' '.join(f'{x:.2f}' for x in ratios)})")
requests = r1 - r0  # the router's own count over the measured rounds
if requests > 0:
    print(f"redis commands/request {(after - before) / requests:.5f}  ({int(after - before)} commands over {int(requests)} requests)")
    print(f"router CPU/request     {(cpu1 - cpu0) / requests * 1e6:.1f} µs  (user + system, all threads)")
    print(f"router alloc/request   {(alloc1 - alloc0) / requests:.0f} bytes  (managed heap)")
print(f"router RSS after run   {rss / 1024:.0f} MiB")
if floor:
    print(f"floor median           {statistics.median(floor):12.2f} req/s")
    print(f"floor/nginx ratio      {statistics.median([f / n for f, n in zip(floor, nginx)]):.2f} median; router/floor {statistics.median([r / f for r, f in zip(router, floor)]):.2f}")
    if floor_requests > 0:
        print(f"floor CPU/request      {floor_cpu / floor_requests * 1e6:.1f} µs  (user + system, /proc, over the floor's rounds)")
PY
