#!/usr/bin/env bash
# Syncer timing figures, printed by the tests that measure them (the tests themselves only assert generous bounds):
#   - apiserver event → Redis → a running router serving the new endpoint (RouterEndToEndTests, 5 rounds)
#   - leader SIGKILLed → the standby process writes a change (HighAvailabilityTests), once with the test's short lease
#     (6 s / renew 4 s / retry 1 s) and once with the production defaults (15 s / 10 s / 2 s; must stay under 20 s).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/Syncer -c Release -v q -nologo > /dev/null
run() {
  dotnet test tests/Syncer -c Release --no-build --filter "$1" --logger "console;verbosity=detailed" 2>&1 \
    | grep -E "round [0-9]|median|failover:|handover:|Passed!|Failed!"
}
run "FullyQualifiedName~RouterEndToEndTests|FullyQualifiedName~HighAvailabilityTests"
ENTRANCE_BENCH_DEFAULT_LEASE=1 run "FullyQualifiedName~HighAvailabilityTests"
