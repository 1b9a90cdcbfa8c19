#!/usr/bin/env bash
# TLS benchmark: nginx terminating TLS with the same certificate and proxying to the same backend, vs the Entrance router.
#  1. keep-alive HTTPS req/s (wrk over https, SNI app1.bench.local)
#  2. new TLS connections/s, SNI rotating over 1,000 names (tlsload.py: one connection per request, SNI per connection;
#     nginx serves them all with the wildcard *.bench.local; the router looks each name up: exact miss, then *.bench.local)
#  3. certificate change → served: HSET + PUBLISH a new certificate for rot.bench.local, poll handshakes until it is served; p50/p99
# Usage: bench/tls/run.sh [duration=15s] [connections=64] [client processes=2] [names=1000] [rotations=50]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/local/common.sh"
apt_install redis-server redis-tools nginx wrk

duration=${1:-15s}; connections=${2:-64}; procs=${3:-2}; names=${4:-1000}; rotations=${5:-50}
seconds=${duration%s}
work=$(mktemp -d /tmp/entrance-bench-tls.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
backend_port=$(free_port); nginx_port=$(free_port); http_port=$(free_port); https_port=$(free_port); admin_port=$(free_port); redis_port=$(free_port)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A CA and ECDSA P-256 leaves: *.bench.local for both servers, two for rot.bench.local to alternate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 30 -subj "/CN=Entrance bench CA" 2>/dev/null
leaf() { # name file
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/$2.key.tmp" -out "$work/$2.csr" -subj "/CN=$1" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$1" > "$work/$2.ext"
  openssl x509 -req -in "$work/$2.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 30 -extfile "$work/$2.ext" -out "$work/$2.crt" 2>/dev/null
  openssl pkcs8 -topk8 -nocrypt -in "$work/$2.key.tmp" -out "$work/$2.key"
  cat "$work/$2.crt" "$work/ca.pem" > "$work/$2.pem"
}
leaf '*.bench.local' wild; leaf rot.bench.local rot-a; leaf rot.bench.local rot-b

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
    listen 127.0.0.1:$nginx_port ssl http2; keepalive_requests 100000;
    ssl_certificate $work/wild.pem; ssl_certificate_key $work/wild.key; ssl_protocols TLSv1.2 TLSv1.3;
    location / {
      proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$host; proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Real-IP \$remote_addr; proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
NGINX
nginx -c "$work/nginx.conf"

redis-server "$root/redis/redis.conf" --port "$redis_port" --dir "$work" --appendonly no --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
for k in $(seq "$names"); do echo "SADD entrance:backends:app$k.bench.local http://127.0.0.1:$backend_port"; done | redis-cli -p "$redis_port" --pipe >/dev/null
redis-cli -p "$redis_port" SADD entrance:backends:rot.bench.local "http://127.0.0.1:$backend_port" >/dev/null
redis-cli -p "$redis_port" HSET 'entrance:cert:*.bench.local' chain "$(cat "$work/wild.pem")" key "$(cat "$work/wild.key")" >/dev/null
redis-cli -p "$redis_port" HSET entrance:cert:rot.bench.local chain "$(cat "$work/rot-a.pem")" key "$(cat "$work/rot-a.key")" >/dev/null

dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null
dotnet "$root/src/Router/bin/Release/net10.0/Entrance.Router.dll" --urls "http://127.0.0.1:$http_port" \
  --Entrance:HttpsUrls "https://127.0.0.1:$https_port" --Entrance:AccessLog:Output off \
  --Entrance:AdminUrls "http://127.0.0.1:$admin_port" --Entrance:Redis "127.0.0.1:$redis_port" --Serilog:MinimumLevel:Default Warning ${ENTRANCE_ROUTER_ARGS:-} >"$work/router.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null -H 'Host: __ping__' "http://127.0.0.1:$http_port/" && break; sleep 0.1; done

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
# wrk takes SNI from the URL's host, and *.bench.local does not resolve (/etc/hosts is not ours to touch): the IP URL and
# a Host header, so no SNI; the router then serves its default certificate, nginx its only one. Keep-alive measures the
# proxying over TLS, not the selection (part 2 does).
keepalive() { # port
  wrk -t2 -c"$connections" -d"$duration" -H 'Host: app1.bench.local' "https://127.0.0.1:$1/" 2>/dev/null | awk '/Requests\/sec/ {print $2}'
}
# Warm-up (JIT, connection pools, certificate cache), not measured.
wrk -t2 -c"$connections" -d3s -H 'Host: app1.bench.local' "https://127.0.0.1:$https_port/" >/dev/null 2>&1 || true
python3 "$root/bench/tls/tlsload.py" handshakes "$https_port" "$work/ca.pem" 3 "$procs" "$names" >/dev/null
printf '%-32s %12s %12s\n' "" nginx entrance
printf '%-32s %12s %12s\n' "keep-alive HTTPS req/s" "$(keepalive "$nginx_port")" "$(keepalive "$https_port")"
hs() { python3 "$root/bench/tls/tlsload.py" handshakes "$1" "$work/ca.pem" "$seconds" "$procs" "$names"; }
printf '%-32s %12s %12s\n' "new TLS conns/s ($names SNI names)" "$(hs "$nginx_port")" "$(hs "$https_port")"
echo "certificate change → served by the router ($rotations rotations): $(python3 "$root/bench/tls/tlsload.py" rotation "$https_port" "$work/ca.pem" "$redis_port" rot.bench.local "$rotations" "$work") ms"
