#!/usr/bin/env bash
# Runs every test of the solution against real redis-server processes, installing what is missing.
# Ends with one line: "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/deploy/local/common.sh"

apt_install redis-server redis-tools kubernetes-client
require_dotnet
# The tests start their own redis-server processes on free ports; no system instance is needed.

results="$root/TestResults"
rm -rf "$results"
status=0
dotnet build "$root/Entrance.sln" -nologo -v quiet || status=$?
if [ $status -eq 0 ]; then
  # One project at a time, each with its own results file: timing-sensitive tests get the machine to themselves.
  for project in $(find "$root/tests" -name '*.Tests.csproj' | sort); do
    name=$(basename "$project" .csproj)
    dotnet test "$project" --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=$?
  done
fi

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(echo "$counters" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*')
  f=$(echo "$counters" | grep -o ' failed="[0-9]*"' | grep -o '[0-9]*')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
# A build failure or a crashed test host runs no test: count it as a failure.
if [ $status -ne 0 ] && [ $failed -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
exit $status
