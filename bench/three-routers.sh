#!/usr/bin/env bash
# Change-to-served across three routers on one stock Redis (no configuration file). Each round a raw redis-cli write
# (DEL + SADD, no PUBLISH) switches a host between two backends; Python polls all three routers over keep-alive
# connections and records, per router, the ms from the write's return to its first answer from the new backend.
# MODE=tracking (default: CLIENT TRACKING), keyspace (tracking off, notify-keyspace-events on), publish (tracking off,
# the write followed by PUBLISH entrance:changed). Prints p50 and p99 over rounds x routers.
# Usage: [MODE=tracking] bench/three-routers.sh [rounds=50]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds=${1:-50}; mode=${MODE:-tracking}
work=$(mktemp -d /tmp/entrance-three.XXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_port=$(free_port); blue=$(free_port); green=$(free_port)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$work" --save "" --daemonize no --logfile "$work/redis.log" &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
tracking=true
[ "$mode" != tracking ] && tracking=false
[ "$mode" = keyspace ] && redis-cli -p "$redis_port" CONFIG SET notify-keyspace-events Kghlszx >/dev/null
(cd "$work" && mkdir -p b g && echo blue > b/index.html && echo green > g/index.html)
python3 -m http.server "$blue" --bind 127.0.0.1 --directory "$work/b" >/dev/null 2>&1 & pids+=($!)
python3 -m http.server "$green" --bind 127.0.0.1 --directory "$work/g" >/dev/null 2>&1 & pids+=($!)
dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null
ports=()
for i in 1 2 3; do
  p=$(free_port); ports+=("$p")
  dotnet "$root/src/Router/bin/Release/net10.0/Entrance.Router.dll" --urls "http://127.0.0.1:$p" --Entrance:Redis "127.0.0.1:$redis_port" \
    --Entrance:CacheTtl 00:00:30 --Entrance:ClientTracking "$tracking" --Entrance:AccessLog:Output off --Entrance:AdminUrls "" \
    --Serilog:MinimumLevel:Default Warning >"$work/router$i.log" 2>&1 &
  pids+=($!)
done
for p in "${ports[@]}"; do for _ in $(seq 100); do curl -s -o /dev/null -H 'Host: __ping__' "http://127.0.0.1:$p/" && break; sleep 0.1; done; done
sleep 3 # subscriptions and tracking registered
python3 - "$redis_port" "$blue" "$green" "$rounds" "$mode" "${ports[@]}" <<'PY'
import http.client, socket, subprocess, sys, time
redis_port, blue, green, rounds, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
ports = [int(p) for p in sys.argv[6:]]
host = "app.three.local"
r = socket.create_connection(("127.0.0.1", redis_port))
def cmd(*args):
    r.sendall(("*%d\r\n" % len(args) + "".join("$%d\r\n%s\r\n" % (len(a), a) for a in args)).encode()); r.recv(65536)
conns = [http.client.HTTPConnection("127.0.0.1", p) for p in ports]
def body(c):
    c.request("GET", "/", headers={"Host": host}); return c.getresponse().read().strip().decode()
samples = []
cmd("SADD", "entrance:backends:" + host, "http://127.0.0.1:" + blue)
if mode == "publish": cmd("PUBLISH", "entrance:changed", host)
time.sleep(0.5)
current = "blue"
for i in range(rounds):
    for c in conns: body(c)  # cached now
    nxt, port = ("green", green) if current == "blue" else ("blue", blue)
    cmd("DEL", "entrance:backends:" + host); cmd("SADD", "entrance:backends:" + host, "http://127.0.0.1:" + port)
    if mode == "publish": cmd("PUBLISH", "entrance:changed", host)
    t0 = time.perf_counter(); pending = set(range(3))
    while pending:
        for k in list(pending):
            if body(conns[k]) == nxt: samples.append((time.perf_counter() - t0) * 1000); pending.discard(k)
        if time.perf_counter() - t0 > 40: raise SystemExit("not served within 40 s")
    current = nxt
samples.sort()
q = lambda f: samples[min(len(samples) - 1, int(f * len(samples)))]
print(f"mode {mode}: {len(samples)} samples (3 routers x {rounds} rounds): p50 {q(0.5):.1f} ms  p99 {q(0.99):.1f} ms  max {samples[-1]:.1f} ms")
PY
