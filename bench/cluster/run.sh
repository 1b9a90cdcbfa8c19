#!/usr/bin/env bash
# Redis Cluster vs single node: req/s through one router each, same backend, same hosts, Host rotating over them.
# Two settings: "cached" (default cache TTLs: lookups only on misses) and "lookups" (1 ms cache TTL: nearly every
# request asks Redis, so the cluster's per-candidate reads on three nodes are measured against one EVALSHA).
# Runs both routers side by side, interleaves the compared systems within each round, repeats ROUNDS times, prints
# a table with the cluster/single ratio and the load average (the machine may be shared).
# Usage: [ROUNDS=3] bench/cluster/run.sh [duration=10s] [connections=32] [hosts=1000]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
duration=${1:-10s}; connections=${2:-32}; hosts=${3:-1000}; rounds=${ROUNDS:-3}
work=$(mktemp -d /tmp/entrance-cluster-bench.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.5; rm -rf "$work"
}
trap cleanup EXIT

backend_port=$(free_port)
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$backend_port; keepalive_requests 100000; location / { return 200 "ok"; } } }
NGINX
nginx -c "$work/nginx.conf"

start_redis() { # dir port extra-args...
  local dir=$1 port=$2; shift 2; mkdir -p "$dir"
  redis-server "$root/redis/redis.conf" --port "$port" --dir "$dir" --appendonly no --save "" --daemonize no --logfile "$dir/redis.log" "$@" &
  pids+=($!)
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
}

single_port=$(free_port)
start_redis "$work/single" "$single_port"
cluster_ports=()
for i in 1 2 3; do
  p=$(free_port); cluster_ports+=("$p")
  start_redis "$work/node$i" "$p" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-port "$(free_port)"
done
redis-cli --cluster create $(printf '127.0.0.1:%s ' "${cluster_ports[@]}") --cluster-replicas 0 --cluster-yes >"$work/create.log" 2>&1
for p in "${cluster_ports[@]}"; do
  for _ in $(seq 200); do redis-cli -p "$p" cluster info | grep -q cluster_state:ok && break; sleep 0.05; done
done

# The same hosts in both, as each layout names them (hash tags on the cluster; see docs/redis-schema.md).
for k in $(seq "$hosts"); do echo "SADD entrance:backends:app$k.bench.local http://127.0.0.1:$backend_port"; done | redis-cli -p "$single_port" --pipe >/dev/null
for k in $(seq "$hosts"); do echo "SADD entrance:backends:{app$k.bench.local} http://127.0.0.1:$backend_port"; done | redis-cli -c -p "${cluster_ports[0]}" >/dev/null
cluster_config=$(printf '127.0.0.1:%s,' "${cluster_ports[@]}"); cluster_config=${cluster_config%,}

dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null
start_router() { # name redis-config extra-args... -> sets $router_port and $router_pid (no subshell: pids must stick)
  local name=$1 redis=$2; shift 2
  local port; port=$(free_port)
  dotnet "$root/src/Router/bin/Release/net10.0/Entrance.Router.dll" --urls "http://127.0.0.1:$port" --Entrance:AdminUrls "" \
    --Entrance:Redis "$redis" --Entrance:AccessLog:Output off --Serilog:MinimumLevel:Default Warning "$@" >"$work/router-$name.log" 2>&1 &
  router_pid=$!; pids+=($router_pid); router_port=$port
  for _ in $(seq 200); do curl -s -o /dev/null -H 'Host: app1.bench.local' "http://127.0.0.1:$port/" && break; sleep 0.1; done
}

run_wrk() { # port -> req/s and non-2xx
  local out
  out=$(wrk -t2 -c"$connections" -d"$duration" -s "$root/bench/proxy/rotate-hosts.lua" "http://127.0.0.1:$1/" -- "$hosts")
  local rps bad
  rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%d", $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  echo "$rps ${bad:-0}"
}

printf "%-8s %-6s %14s %14s %9s %10s %s\n" mode round "single req/s" "cluster req/s" "ratio" "non-2xx" "load avg"
for mode in cached lookups; do
  extra=(); [ "$mode" = lookups ] && extra=(--Entrance:CacheTtl 00:00:00.001 --Entrance:NotifiedCacheTtl 00:00:00.001)
  start_router "single-$mode" "127.0.0.1:$single_port" "${extra[@]}"; single=$router_port; single_pid=$router_pid
  start_router "cluster-$mode" "$cluster_config" "${extra[@]}"; cluster=$router_port; cluster_pid=$router_pid
  # Warm-up (JIT, connection pools, caches) before the measured rounds.
  wrk -t2 -c"$connections" -d3s -s "$root/bench/proxy/rotate-hosts.lua" "http://127.0.0.1:$single/" -- "$hosts" >/dev/null
  wrk -t2 -c"$connections" -d3s -s "$root/bench/proxy/rotate-hosts.lua" "http://127.0.0.1:$cluster/" -- "$hosts" >/dev/null
  ratios=()
  for r in $(seq "$rounds"); do
    # Interleave: odd rounds single first, even rounds cluster first.
    if [ $((r % 2)) = 1 ]; then read -r s sb < <(run_wrk "$single"); read -r c cb < <(run_wrk "$cluster")
    else read -r c cb < <(run_wrk "$cluster"); read -r s sb < <(run_wrk "$single"); fi
    ratio=$(python3 -c "print(f'{$c / max($s, 1):.2f}')"); ratios+=("$ratio")
    printf "%-8s %-6s %14s %14s %9s %10s %s\n" "$mode" "$r" "$s" "$c" "$ratio" "$sb/$cb" "$(cut -d' ' -f1-3 /proc/loadavg)"
  done
  printf "%-8s %-6s %14s %14s %9s\n" "$mode" median "" "" "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
  # Routers of this mode go before the next mode starts (they share the CPU).
  kill "$single_pid" "$cluster_pid" 2>/dev/null || true; sleep 1
done
for p in "${cluster_ports[@]}"; do
  echo "node $p: $(redis-cli -p "$p" dbsize) keys, $(redis-cli -p "$p" info commandstats | awk -F'[=,:]' '/^cmdstat_evalsha/ {s+=$3} END {print s+0}') EVALSHA + EVALSHA_RO"
done
