#!/usr/bin/env bash
# Measures `entrance apply` of a large file (default 10,000 hosts x 3 backends) against a local redis-server started
# from redis/redis.conf on a free port. Goal (issue 5): under 3 s. Prints the wall time of: the first apply (everything
# new), a second apply (no changes), a dry run, and an apply that replaces one backend of every host.
# Usage: bench/cli-apply.sh [hosts]      (builds src/Cli in Release first)
set -euo pipefail
HOSTS=${1:-10000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { [[ -f $WORK/redis.pid ]] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

dotnet build "$ROOT/src/Cli/Entrance.Cli.csproj" -c Release -v q -nologo >/dev/null
ENTRANCE="dotnet $ROOT/src/Cli/bin/Release/net10.0/entrance.dll --redis 127.0.0.1:$PORT"
redis-server "$ROOT/redis/redis.conf" --port "$PORT" --dir "$WORK" --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do sleep 0.05; done

gen() { # $1 = third octet of the third backend, to make a "replace one backend of every host" variant
  python3 - "$HOSTS" "$1" <<'PY'
import sys
n, v = int(sys.argv[1]), sys.argv[2]
out = ["hosts:"]
for i in range(n):
    a, b = i // 256 % 256, i % 256
    out.append(f"  - host: h{i}.bench.example.com")
    out.append(f'    backends: ["http://10.0.{a}.{b}:8080", "http://10.1.{a}.{b}:8080", "http://10.{v}.{a}.{b}:8080"]')
print("\n".join(out))
PY
}
gen 2 > "$WORK/a.yaml"
gen 3 > "$WORK/b.yaml"

t() { local s e; s=$(date +%s%N); "$@" >/dev/null || [[ $? == 3 ]]; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
echo "hosts=$HOSTS backends/host=3 redis=127.0.0.1:$PORT"
echo "first apply (all new):        $(t $ENTRANCE apply -f "$WORK/a.yaml" --quiet) ms"
echo "second apply (no changes):    $(t $ENTRANCE apply -f "$WORK/a.yaml" --quiet) ms"
echo "dry run against changed file: $(t $ENTRANCE apply -f "$WORK/b.yaml" --dry-run --quiet) ms"
echo "apply replacing one backend:  $(t $ENTRANCE apply -f "$WORK/b.yaml" --quiet) ms"
echo "hosts in redis: $(redis-cli -p "$PORT" hlen entrance:owners)"
redis-cli -p "$PORT" flushall >/dev/null
echo "first apply again, diff printed (to a file, as in a CI log): $(t $ENTRANCE apply -f "$WORK/a.yaml") ms"
