#!/usr/bin/env bash
# Runs an Entrance router on http://127.0.0.1:8080 and https://127.0.0.1:8443, starting a local Redis from redis/redis.conf when none answers.
# Usage: deploy/local/run-router.sh [router options, e.g. --urls http://127.0.0.1:9000]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
source "$root/deploy/local/common.sh"

apt_install redis-server redis-tools
require_dotnet

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  mkdir -p "$root/.run/redis"
  echo "starting redis-server from redis/redis.conf on 127.0.0.1:6379 (data in .run/redis)"
  redis-server "$root/redis/redis.conf" --daemonize yes --dir "$root/.run/redis" \
    --logfile "$root/.run/redis/redis.log" --pidfile "$root/.run/redis/redis.pid"
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

echo "building the router ..."
dotnet build "$root/src/Router/Entrance.Router.csproj" -c Release -v quiet -nologo >/dev/null

cat <<'HELP'

Entrance is starting on http://127.0.0.1:8080 and https://127.0.0.1:8443 (self-signed default certificate). In another terminal:
  redis-cli SADD entrance:backends:shop.example.com http://127.0.0.1:9001   # publish a site
  curl -H 'Host: shop.example.com' http://127.0.0.1:8080/                    # route through Entrance
  curl -H 'Host: __ping__' http://127.0.0.1:8080/                            # health probe
  curl http://127.0.0.1:8081/readyz                                          # admin listener: readiness and why
  curl 'http://127.0.0.1:8081/routes/shop.example.com?format=text'           # how this router resolves a host
  curl http://127.0.0.1:8081/metrics                                         # Prometheus metrics
  redis-cli HSET entrance:cert:shop.example.com chain "$(cat chain.pem)" key "$(cat key.pem)"
  redis-cli PUBLISH entrance:changed cert:shop.example.com                   # serve a certificate for that name
  curl --resolve shop.example.com:8443:127.0.0.1 https://shop.example.com:8443/ --cacert ca.pem

HELP
cd "$root/src/Router"
exec dotnet bin/Release/net10.0/Entrance.Router.dll --Entrance:HttpsUrls https://127.0.0.1:8443 "$@"
