#!/usr/bin/env bash
# TLS benchmark: nginx terminating TLS with the same certificate and proxying to the same backend, vs the Entrance router.
#  1. keep-alive HTTPS req/s (wrk over https), and the same over plain HTTP as the reference (is the gap TLS or proxying?)
#  2. new TLS connections/s, SNI rotating over 1,000 names (tlsload.py: one connection per request, SNI per connection,
#     full handshakes; nginx serves them all with the wildcard *.bench.local; the router looks each name up: exact miss,
#     then *.bench.local, through its certificate cache, warmed first as in steady state)
#  3. certificate change → served by every router: HSET + PUBLISH a new certificate for rot.bench.local, poll handshakes
#     on each of ROUTERS routers until all serve it; p50/p99
# Rounds alternate nginx and the router (ROUNDS=3); the table gives the median of each figure and the ratios against the
# issue's goals, plus each server's CPU µs per request/connection (from /proc, less sensitive to a busy machine).
# Usage: [ROUNDS=3] [ROUTERS=3] [WARMUP=10 (s, x2 per kind)] bench/tls/run.sh [duration=10s] [connections=32] [client processes=2] [names=1000] [rotations=30]
# Extra router settings: ENTRANCE_ROUTER_ARGS='--Entrance:Passthrough:Enabled false' bench/tls/run.sh
# ENTRANCE_BENCH_NO_BUILD=1 skips the Release build; ENTRANCE_ROUTER_DLL=path runs another build (a before/after comparison).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/local/common.sh"
apt_install redis-server redis-tools nginx wrk

duration=${1:-10s}; connections=${2:-32}; procs=${3:-2}; names=${4:-1000}; rotations=${5:-30}
rounds=${ROUNDS:-3}; routers=${ROUTERS:-3}; warmup=${WARMUP:-10}
seconds=${duration%s}
work=$(mktemp -d /tmp/entrance-bench-tls.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
backend_port=$(free_port); nginx_port=$(free_port); nginx_http_port=$(free_port); redis_port=$(free_port)
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

# Two workers: one per core, as the router has one socket thread per core. Session cache and tickets at nginx's
# defaults (tickets on, no shared cache), as the router's (OpenSSL's defaults through .NET); neither client resumes.
cat > "$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream backend { server 127.0.0.1:$backend_port; keepalive 128; }
  server { listen 127.0.0.1:$backend_port; keepalive_requests 100000; location / { return 200 "ok"; } }
  server {
    listen 127.0.0.1:$nginx_port ssl http2; listen 127.0.0.1:$nginx_http_port; keepalive_requests 100000;
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
for _ in $(seq 50); do [ -s "$work/nginx.pid" ] && break; sleep 0.1; done
nginx_workers=$(pgrep -P "$(cat "$work/nginx.pid")" | tr '\n' ' ')

redis-server "$root/redis/redis.conf" --port "$redis_port" --dir "$work" --appendonly no --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
for k in $(seq "$names"); do echo "SADD entrance:backends:app$k.bench.local http://127.0.0.1:$backend_port"; done | redis-cli -p "$redis_port" --pipe >/dev/null
redis-cli -p "$redis_port" SADD entrance:backends:rot.bench.local "http://127.0.0.1:$backend_port" >/dev/null
redis-cli -p "$redis_port" HSET 'entrance:cert:*.bench.local' chain "$(cat "$work/wild.pem")" key "$(cat "$work/wild.key")" >/dev/null
redis-cli -p "$redis_port" HSET entrance:cert:rot.bench.local chain "$(cat "$work/rot-a.pem")" key "$(cat "$work/rot-a.key")" >/dev/null

[ -n "${ENTRANCE_BENCH_NO_BUILD:-}" ] || dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null
router_http=(); router_https=(); router_pids=()
start_router() { # [dll] [VAR=value ...]
  local http https admin dll=${1:-${ENTRANCE_ROUTER_DLL:-$root/src/Router/bin/Release/net10.0/Entrance.Router.dll}}
  shift || true
  http=$(free_port); https=$(free_port); admin=$(free_port)
  env "$@" dotnet "$dll" --urls "http://127.0.0.1:$http" \
    --Entrance:HttpsUrls "https://127.0.0.1:$https" --Entrance:AccessLog:Output off \
    --Entrance:AdminUrls "http://127.0.0.1:$admin" --Entrance:Redis "127.0.0.1:$redis_port" --Serilog:MinimumLevel:Default Warning ${ENTRANCE_ROUTER_ARGS:-} >"$work/router-$http.log" 2>&1 &
  pids+=($!); router_pids+=($!); router_http+=("$http"); router_https+=("$https")
  for _ in $(seq 300); do curl -s -o /dev/null -H 'Host: __ping__' "http://127.0.0.1:$http/" && return; sleep 0.1; done
  echo "router did not start: $(tail -5 "$work/router-$http.log")" >&2; exit 1
}
start_router
https_port=${router_https[0]}; http_port=${router_http[0]}; router_pid=${router_pids[0]}
# ENTRANCE_COMPARE_DLL: another build (the one before a change), measured in the same rounds as a third system;
# ENTRANCE_COMPARE_ENV='VAR=value ...' runs it (or the same build) with other runtime settings.
systems=(nginx router)
# FLOOR=1 adds the floor of the router's own stack: Kestrel + YARP's forwarder with the wildcard certificate, to the
# backend, nothing else (bench/proxy/Floor): what .NET's TLS and proxying cost before any lookup, metric or log line.
if [ "${FLOOR:-1}" = 1 ]; then
  [ -n "${ENTRANCE_BENCH_NO_BUILD:-}" ] || dotnet build "$root/bench/proxy/Floor/Entrance.Bench.Floor.csproj" -c Release -v quiet -nologo >/dev/null
  floor_https=$(free_port); floor_http=$(free_port)
  DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet "$root/bench/proxy/Floor/bin/Release/net10.0/Entrance.Bench.Floor.dll" \
    "https://127.0.0.1:$floor_https;http://127.0.0.1:$floor_http" "http://127.0.0.1:$backend_port" https "$work/wild.pem" "$work/wild.key" >"$work/floor.log" 2>&1 &
  floor_pid=$!; pids+=($floor_pid)
  for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:$floor_https/" && break; sleep 0.1; done
  systems+=(floor)
fi
if [ -n "${ENTRANCE_COMPARE_DLL:-}${ENTRANCE_COMPARE_ENV:-}" ]; then
  # shellcheck disable=SC2086
  start_router "${ENTRANCE_COMPARE_DLL:-}" ${ENTRANCE_COMPARE_ENV:-}
  compare_https=${router_https[1]}; compare_http=${router_http[1]}; compare_pid=${router_pids[1]}
  systems+=(compare)
fi

# CPU ticks (utime + stime) of some processes, from /proc.
ticks() { local t=0 p f; for p in "$@"; do f=($(cut -d' ' -f14,15 "/proc/$p/stat")); t=$((t + f[0] + f[1])); done; echo "$t"; }
hz=$(getconf CLK_TCK)
# One measurement: prints "<rate> <server CPU µs per operation>". kind: ka (keep-alive, wrk) or hs (handshakes).
measure() { # kind url-or-port pids...
  local kind=$1 target=$2; shift 2
  local before after rate ops
  before=$(ticks "$@")
  if [ "$kind" = ka ]; then
    # No SNI (wrk takes it from the URL and *.bench.local does not resolve; /etc/hosts is not ours): the router serves
    # its default certificate (ECDSA P-256 too), nginx its only one. Keep-alive measures proxying over TLS.
    local out; out=$(wrk -t2 -c"$connections" -d"$duration" -H 'Host: app1.bench.local' "$target" 2>/dev/null)
    rate=$(echo "$out" | awk '/Requests\/sec/ {print $2}'); ops=$(echo "$out" | awk '/requests in/ {print $1}')
  else
    rate=$(python3 "$root/bench/tls/tlsload.py" handshakes "$target" "$work/ca.pem" "$seconds" "$procs" "$names"); ops=$((rate * seconds))
  fi
  after=$(ticks "$@")
  echo "${rate%.*} $(( (after - before) * 1000000 / hz / (ops > 0 ? ops : 1) ))"
}

# Warm-up, not measured: JIT tiers (a minute of load on a busy machine), connection pools, and every name in the
# router's certificate cache (steady state: the cache holds the names that are in use).
target() { # system kind -> URL or port
  case "$1:$2" in
    nginx:tls) echo "https://127.0.0.1:$nginx_port/";; nginx:plain) echo "http://127.0.0.1:$nginx_http_port/";; nginx:hs) echo "$nginx_port";;
    router:tls) echo "https://127.0.0.1:$https_port/";; router:plain) echo "http://127.0.0.1:$http_port/";; router:hs) echo "$https_port";;
    floor:tls) echo "https://127.0.0.1:$floor_https/";; floor:plain) echo "http://127.0.0.1:$floor_http/";; floor:hs) echo "$floor_https";;
    compare:tls) echo "https://127.0.0.1:$compare_https/";; compare:plain) echo "http://127.0.0.1:$compare_http/";; compare:hs) echo "$compare_https";;
  esac
}
server_pids() { case "$1" in nginx) echo "$nginx_workers";; router) echo "$router_pid";; floor) echo "$floor_pid";; compare) echo "$compare_pid";; esac; }
for system in "${systems[@]:1}"; do
  for _ in 1 2; do
    wrk -t2 -c"$connections" -d"${warmup}s" -H 'Host: app1.bench.local' "$(target "$system" tls)" >/dev/null 2>&1 || true
    wrk -t2 -c"$connections" -d"${warmup}s" -H 'Host: app1.bench.local' "$(target "$system" plain)" >/dev/null 2>&1 || true
    python3 "$root/bench/tls/tlsload.py" handshakes "$(target "$system" hs)" "$work/ca.pem" "$warmup" "$procs" "$names" >/dev/null
  done
  python3 "$root/bench/tls/tlsload.py" warm "$(target "$system" hs)" "$work/ca.pem" "$names"
done
python3 "$root/bench/tls/tlsload.py" warm "$nginx_port" "$work/ca.pem" 50

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; nginx $(nginx -v 2>&1 | cut -d/ -f2) with 2 workers; router: one socket thread per core"
echo "clients (not pinned, same cores): wrk -t2 -c$connections; tlsload.py $procs processes; $duration per figure, $rounds rounds alternating"
results=$work/results
: > "$results"
for r in $(seq "$rounds"); do
  # Rotate who goes first, so a change in the machine's load does not always favour one side.
  order=("${systems[@]:$(( (r - 1) % ${#systems[@]} ))}" "${systems[@]:0:$(( (r - 1) % ${#systems[@]} ))}")
  line="round $r (load $(cut -d' ' -f1 /proc/loadavg)):"
  for kind in tls plain hs; do
    for system in "${order[@]}"; do
      m=$(measure "$([ "$kind" = hs ] && echo hs || echo ka)" "$(target "$system" "$kind")" $(server_pids "$system"))
      echo "$r $system $kind $m" >> "$results"
      line+=" $system/$kind $m;"
    done
  done
  echo "$line"
done

# Rotation: every router must serve the new certificate (the others start now, so they do not load the figures above).
rotation_ports=$https_port
for _ in $(seq 2 "$routers"); do start_router; rotation_ports+=",${router_https[-1]}"; done
for port in ${rotation_ports//,/ }; do # the new ones' first handshakes (JIT) out of the timings
  python3 "$root/bench/tls/tlsload.py" warm "$port" "$work/ca.pem" 20
  python3 "$root/bench/tls/tlsload.py" rotation "$port" "$work/ca.pem" "$redis_port" rot.bench.local 2 "$work" >/dev/null
done
rotation=$(python3 "$root/bench/tls/tlsload.py" rotation "$rotation_ports" "$work/ca.pem" "$redis_port" rot.bench.local "$rotations" "$work")

python3 - "$results" "$names" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(dict)  # (round, kind) -> system -> (rate, cpu)
for line in open(sys.argv[1]):
    r, system, kind, rate, cpu = line.split()
    rows[(int(r), kind)][system] = (int(rate), int(cpu))
systems = [s for s in ("nginx", "router", "floor", "compare") if any(s in v for v in rows.values())]
labels = {"tls": ("keep-alive HTTPS req/s", 0.8), "plain": ("keep-alive plain HTTP req/s (reference)", None),
          "hs": (f"new TLS conns/s, {sys.argv[2]} SNI names", 0.7)}
print()
head = f"{'median of rounds':<40}" + "".join(f"{s:>10}" for s in systems) + "".join(f"  {s + '/nginx':<26}" for s in systems[1:]) \
    + "   CPU µs/op " + " ".join(f"{s:>7}" for s in systems)
print(head)
for kind, (label, goal) in labels.items():
    per = [v for (r, k), v in rows.items() if k == kind]
    rate = {s: statistics.median(v[s][0] for v in per) for s in systems}
    cpu = {s: statistics.median(v[s][1] for v in per) for s in systems}
    out = f"{label:<40}" + "".join(f"{rate[s]:>10,.0f}" for s in systems)
    for s in systems[1:]:
        # Ratio per round (the systems ran back to back), then the median of those.
        ratio = statistics.median(v[s][0] / max(v["nginx"][0], 1) for v in per)
        text = f"{ratio:.2f}" + (f" (goal >= {goal}: {'met' if ratio >= goal else 'NOT met'})" if goal and s == "router" else "")
        out += f"  {text:<26}"
    out += "   " + " " * 10 + " ".join(f"{cpu[s]:>7,.0f}" for s in systems)
    print(out)
PY
echo "certificate change → served by every router ($routers routers, $rotations rotations): $rotation ms"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
