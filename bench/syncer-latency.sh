#!/usr/bin/env bash
# Syncer timing figures, printed by the tests that measure them (the tests themselves only assert generous bounds):
#   - apiserver event → Redis → a running router serving the new endpoint (RouterEndToEndTests, 5 rounds)
#   - leader SIGKILLed → the standby process writes a change (HighAvailabilityTests; lease 3 s / renew 2 s / retry 0.5 s)
# With the default lease timings (15 s / 10 s / 2 s) failover takes about leaseDuration + one retry: 15–17.4 s.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet test tests/Syncer -c Release \
  --filter "FullyQualifiedName~RouterEndToEndTests|FullyQualifiedName~HighAvailabilityTests" \
  --logger "console;verbosity=detailed" 2>&1 | grep -E "round [0-9]|median|failover:|Passed!|Failed!"
