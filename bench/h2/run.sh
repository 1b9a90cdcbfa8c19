#!/usr/bin/env bash
# HTTP/2 benchmark, h2load (nghttp2-client) with multiplexed streams, nginx vs the Entrance router, same backends:
#  1. HTTP/2 GET req/s: h2c front → h2c backend (nginx: `listen … http2` + grpc_pass, its only HTTP/2 upstream;
#     the backend is an nginx h2c server answering "ok")
#  2. gRPC unary calls/s (entrance.test.Echo/Unary, a real Grpc.AspNetCore server, bench/h2/GrpcBackend): direct,
#     through nginx (grpc_pass) and through the router (h2c:// backend)
# Usage: bench/h2/run.sh [duration seconds=10] [clients=16] [streams per client=16]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/local/common.sh"
apt_install redis-server redis-tools nginx nghttp2-client

seconds=${1:-10}; clients=${2:-16}; streams=${3:-16}
work=$(mktemp -d /tmp/entrance-bench-h2.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
backend_port=$(free_port); grpc_port=$(free_port); nginx_port=$(free_port); http_port=$(free_port); h2c_port=$(free_port)
admin_port=$(free_port); redis_port=$(free_port)
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
  upstream h2c_backend { server 127.0.0.1:$backend_port; keepalive 128; }
  upstream grpc_backend { server 127.0.0.1:$grpc_port; keepalive 128; }
  server { listen 127.0.0.1:$backend_port http2; keepalive_requests 100000; location / { return 200 "ok"; } }
  server {
    listen 127.0.0.1:$nginx_port http2; keepalive_requests 100000;
    location / {
      grpc_pass grpc://h2c_backend; grpc_set_header Host \$host;
      grpc_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; grpc_set_header X-Forwarded-Proto \$scheme;
    }
    location /entrance.test.Echo/ {
      grpc_pass grpc://grpc_backend; grpc_set_header Host \$host;
      grpc_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; grpc_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf"

redis-server "$root/redis/redis.conf" --port "$redis_port" --dir "$work" --appendonly no --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" SADD entrance:backends:h2.bench.local "h2c://127.0.0.1:$backend_port" >/dev/null
redis-cli -p "$redis_port" SADD entrance:backends:grpc.bench.local "h2c://127.0.0.1:$grpc_port" >/dev/null

dotnet build "$root/bench/h2/GrpcBackend/GrpcBackend.csproj" -c Release -v quiet -nologo >/dev/null
dotnet "$root/bench/h2/GrpcBackend/bin/Release/net10.0/GrpcBackend.dll" "$grpc_port" >"$work/grpc.log" 2>&1 &
pids+=($!)
dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null
dotnet "$root/src/Router/bin/Release/net10.0/Entrance.Router.dll" --urls "http://127.0.0.1:$http_port" \
  --Entrance:H2cUrls "http://127.0.0.1:$h2c_port" --Entrance:AccessLog:Output off \
  --Entrance:AdminUrls "http://127.0.0.1:$admin_port" --Entrance:Redis "127.0.0.1:$redis_port" --Serilog:MinimumLevel:Default Warning ${ENTRANCE_ROUTER_ARGS:-} >"$work/router.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null -H 'Host: __ping__' "http://127.0.0.1:$http_port/" && break; sleep 0.1; done
for _ in $(seq 100); do grep -q h2c:// "$work/grpc.log" && break; sleep 0.1; done

# One unary request as a gRPC frame: no compression, 4-byte length, EchoRequest{text: "hi"}.
printf '\x00\x00\x00\x00\x04\x0a\x02hi' > "$work/unary.bin"
grpc=(-d "$work/unary.bin" -H 'content-type: application/grpc' -H 'te: trailers')

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
h2() { # port authority path [h2load args...]: req/s (and a warning on stderr when requests failed)
  local port=$1 authority=$2 path=$3; shift 3
  local out; out=$(h2load -c"$clients" -m"$streams" -t1 -D"$seconds" -H ":authority: $authority" "$@" "http://127.0.0.1:$port$path" 2>&1)
  local failed; failed=$(awk '/^requests:/ {print $10}' <<<"$out")
  [ "${failed:-0}" = "0" ] || echo "warning: $failed failed requests on port $port" >&2
  awk '/^finished in/ {print $4}' <<<"$out"
}
# Warm-up (JIT, connection pools), not measured.
seconds=3 h2 "$h2c_port" h2.bench.local / >/dev/null
seconds=3 h2 "$h2c_port" grpc.bench.local /entrance.test.Echo/Unary "${grpc[@]}" >/dev/null
seconds=3 h2 "$grpc_port" grpc.bench.local /entrance.test.Echo/Unary "${grpc[@]}" >/dev/null
printf '%-40s %12s %12s %12s\n' "($clients conns × $streams streams, ${seconds}s)" direct nginx entrance
printf '%-40s %12s %12s %12s\n' "HTTP/2 GET req/s (h2c → h2c)" "$(h2 "$backend_port" h2.bench.local /)" \
  "$(h2 "$nginx_port" h2.bench.local /)" "$(h2 "$h2c_port" h2.bench.local /)"
printf '%-40s %12s %12s %12s\n' "gRPC unary calls/s" "$(h2 "$grpc_port" grpc.bench.local /entrance.test.Echo/Unary "${grpc[@]}")" \
  "$(h2 "$nginx_port" grpc.bench.local /entrance.test.Echo/Unary "${grpc[@]}")" "$(h2 "$h2c_port" grpc.bench.local /entrance.test.Echo/Unary "${grpc[@]}")"
# h2load counts HTTP 200 as success; gRPC's own status is in the trailers: the router counted them.
echo "router's gRPC statuses: $(curl -s "http://127.0.0.1:$admin_port/metrics" | grep '^entrance_grpc_responses_total' | tr '\n' ' ')"
