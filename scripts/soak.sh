#!/usr/bin/env bash
# Soak (docs/statistics.md): runs every property suite (properties_claims, properties_parsing,
# properties_spec_parser) under RUNS RapidCheck seeds, seed_i = 1000003·i for i = 1..RUNS, split
# over JOBS processes, and prints each failing seed with the observed false-failure count and its
# Clopper–Pearson bound (a run = one seed through all three suites); exit status 1 if any failed.
# Usage: scripts/soak.sh BUILD_DIR [RUNS=20] [JOBS=2]
set -u
build=${1:?usage: soak.sh BUILD_DIR [RUNS] [JOBS]}
runs=${2:-20}
jobs=${3:-2}
suites=(properties_claims properties_parsing properties_spec_parser)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

soak_part() {  # seeds i ≡ $1 (mod jobs); one line per seed into $work/part-$1
  for ((i = $1 + 1; i <= runs; i += jobs)); do
    local seed=$((1000003 * i)) status=pass
    for s in "${suites[@]}"; do
      if ! RC_PARAMS="seed=${seed}" "$build/properties/$s" --gtest_brief=1 > "$work/log-$1" 2>&1; then
        status=FAIL
        echo "seed ${seed}: $s FAIL" >&2
        grep -E "FAILED|Falsifiable|reproduce" "$work/log-$1" | head -5 >&2
      fi
    done
    echo "seed ${seed}: ${status}"
  done > "$work/part-$1"
}

for ((j = 0; j < jobs; j++)); do soak_part "$j" & done
wait
failures=$(cat "$work"/part-* | grep -c FAIL)
echo "soak: ${runs} seeds x ${#suites[@]} suites"
"$build/properties/soak_bound" "$failures" "$runs"
((failures == 0))  # exit status 1 when any seed failed
