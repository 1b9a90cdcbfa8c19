#!/usr/bin/env bash
# TCP (L4) benchmark: the Entrance router's TCP routes vs HAProxy in TCP mode vs no proxy, on one machine.
#  1. throughput MB/s, one bulk stream each way (iperf3: client → backend, and -R backend → client)
#  2. new connections/s: redis-benchmark -k 0 (a new TCP connection per PING) against a redis-server backend, and the
#     proxy's own CPU time per 1,000 connections (user+sys from /proc): on a shared machine the rate moves with the
#     load, the CPU cost per connection much less.
# Each measurement runs ROUNDS times (default 3), HAProxy and Entrance interleaved; the table shows every round.
# Usage: bench/tcp/run.sh [seconds=5] [requests=20000] [clients=32]   (env: ROUNDS=3, CPS_ONLY=1 skips throughput)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/local/common.sh"
apt_install redis-server redis-tools haproxy iperf3

seconds=${1:-5}; requests=${2:-20000}; clients=${3:-32}; rounds=${ROUNDS:-3}
work=$(mktemp -d /tmp/entrance-bench-tcp.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
store_port=$(free_port); redis_port=$(free_port); iperf_port=$(free_port); http_port=$(free_port); admin_port=$(free_port)
router_iperf=$(free_port); router_redis=$(free_port); haproxy_iperf=$(free_port); haproxy_redis=$(free_port)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/haproxy.pid" ] && kill "$(cat "$work/haproxy.pid")" 2>/dev/null || true
  wait 2>/dev/null || true # the servers write their logs into $work until they are gone
  rm -rf "$work"
}
trap cleanup EXIT

# The store (routes) and the backends: a redis-server for PINGs, an iperf3 server for bulk bytes.
for port in "$store_port" "$redis_port"; do
  redis-server "$root/redis/redis.conf" --port "$port" --dir "$work" --appendonly no --save "" --daemonize no --logfile "$work/redis-$port.log" &
  pids+=($!)
done
iperf3 -s -p "$iperf_port" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$store_port" ping >/dev/null 2>&1 && redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$store_port" SADD "entrance:tcp:$router_iperf" "127.0.0.1:$iperf_port" >/dev/null
redis-cli -p "$store_port" SADD "entrance:tcp:$router_redis" "127.0.0.1:$redis_port" >/dev/null

cat > "$work/haproxy.cfg" <<CFG
global
  maxconn 5000
  nbthread $(nproc)
  pidfile $work/haproxy.pid
defaults
  mode tcp
  timeout connect 5s
  timeout client 10m
  timeout server 10m
listen iperf
  bind 127.0.0.1:$haproxy_iperf
  server s1 127.0.0.1:$iperf_port
listen redis
  bind 127.0.0.1:$haproxy_redis
  server s1 127.0.0.1:$redis_port
CFG
haproxy -D -f "$work/haproxy.cfg"

dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null
dotnet "$root/src/Router/bin/Release/net10.0/Entrance.Router.dll" --urls "http://127.0.0.1:$http_port" \
  --Entrance:Tcp:Ports "$router_iperf,$router_redis" --Entrance:Tcp:Address 127.0.0.1 --Entrance:AccessLog:Output off \
  --Entrance:AdminUrls "http://127.0.0.1:$admin_port" --Entrance:Redis "127.0.0.1:$store_port" --Serilog:MinimumLevel:Default Warning ${ENTRANCE_ROUTER_ARGS:-} >"$work/router.log" 2>&1 &
router_pid=$!
pids+=($router_pid)
for _ in $(seq 100); do redis-cli -p "$router_redis" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load average at start: $(loadavg) on $(nproc) cores"
mbps() { # port [-R]
  iperf3 -c 127.0.0.1 -p "$1" -t "$seconds" ${2:-} -J 2>/dev/null | python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/8e6))'
}
cps() { # port
  redis-benchmark -p "$1" -c "$clients" -n "$requests" -k 0 -t ping_inline -q 2>/dev/null | tr '\r' '\n' | awk '/requests per second/ {v=$2} END {print v}'
}
cpu_ticks() { # pid: user+sys clock ticks of the process (all threads)
  awk '{print $14+$15}' "/proc/$1/stat"
}
cps_cpu() { # port pid: "rate cpu-ms-per-1000-connections"
  local before after rate
  before=$(cpu_ticks "$2"); rate=$(cps "$1"); after=$(cpu_ticks "$2")
  echo "$rate $(python3 -c "print('%.0f' % (($after-$before)*1000/$(getconf CLK_TCK)*1000/$requests))")"
}
ratio() { python3 -c "print('%.2f' % ($1/$2 if $2 else 0))"; }

redis-cli -p "$router_redis" ping >/dev/null # warm the route cache and the JIT
cps "$router_redis" >/dev/null; [ -n "${CPS_ONLY:-}" ] || mbps "$router_iperf" >/dev/null
haproxy_pid=$(cat "$work/haproxy.pid")

printf '%-24s %5s %10s %10s %10s %16s %15s\n' "" round direct haproxy entrance "entrance/haproxy" "load avg"
for r in $(seq "$rounds"); do
  if [ -z "${CPS_ONLY:-}" ]; then
    for dir in up down; do
      flag=""; [ "$dir" = down ] && flag="-R"
      d=$(mbps "$iperf_port" $flag)
      # alternate which proxy goes first, so a load change favours neither
      if [ $((r % 2)) -eq 1 ]; then h=$(mbps "$haproxy_iperf" $flag); e=$(mbps "$router_iperf" $flag)
      else e=$(mbps "$router_iperf" $flag); h=$(mbps "$haproxy_iperf" $flag); fi
      printf '%-24s %5s %10s %10s %10s %16s %15s\n' "throughput $dir MB/s" "$r" "$d" "$h" "$e" "$(ratio "$e" "$h")" "$(loadavg)"
    done
  fi
  d=$(cps "$redis_port")
  if [ $((r % 2)) -eq 1 ]; then read -r h hc < <(cps_cpu "$haproxy_redis" "$haproxy_pid"); read -r e ec < <(cps_cpu "$router_redis" "$router_pid")
  else read -r e ec < <(cps_cpu "$router_redis" "$router_pid"); read -r h hc < <(cps_cpu "$haproxy_redis" "$haproxy_pid"); fi
  printf '%-24s %5s %10s %10s %10s %16s %15s\n' "new connections/s" "$r" "$d" "$h" "$e" "$(ratio "$e" "$h")" "$(loadavg)"
  printf '%-24s %5s %10s %10s %10s %16s\n' "  CPU ms/1000 conns" "$r" "-" "$hc" "$ec" "$(ratio "$hc" "$ec")"
done
