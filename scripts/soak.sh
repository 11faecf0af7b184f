#!/usr/bin/env bash
# Soak mode (docs/statistics.md): runs the property suite with varied RapidCheck seeds and prints the
# observed false-failure count with its Clopper–Pearson bound.
# Usage: scripts/soak.sh PROPERTY_BINARY [RUNS=20] [SOAK_BOUND_BINARY]
set -u
binary=${1:?usage: soak.sh PROPERTY_BINARY [RUNS] [SOAK_BOUND_BINARY]}
runs=${2:-20}
bound=${3:-$(dirname "$binary")/soak_bound}
failures=0
for ((i = 1; i <= runs; i++)); do
  seed=$((1000003 * i))
  if RC_PARAMS="seed=${seed}" "$binary" --gtest_brief=1 > /tmp/initcheck_soak_$$.log 2>&1; then
    echo "seed ${seed}: pass"
  else
    failures=$((failures + 1))
    echo "seed ${seed}: FAIL"
    grep -E "FAILED|Falsifiable|reproduce" /tmp/initcheck_soak_$$.log | head -5
  fi
done
rm -f /tmp/initcheck_soak_$$.log
"$bound" "$failures" "$runs"
