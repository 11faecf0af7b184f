#!/usr/bin/env bash
# Runs `initcheck check` (default budget, every applicable claim) on the textbook matched pairs
# at widths 128–1024 and depths 2–10 and prints one line per run: exit code, wall seconds,
# command. A matched pair exits 0, or 1 where theory says it truly drifts; never 3.
# Usage: scripts/matched_pairs.sh [BUILD_DIR=build]
set -euo pipefail
bin=${1:-build}/initcheck
pairs=("kaiming_normal|relu" "kaiming_uniform(a=0.2, nonlinearity=leaky_relu)|leaky_relu(0.2)"
       "lecun_normal|selu" "orthogonal|linear")
status=0
for pair in "${pairs[@]}"; do
  init=${pair%%|*}
  act=${pair##*|}
  for width in 128 256 512 1024; do
    for depth in 2 5 10; do
      start=$EPOCHREALTIME
      code=0
      "$bin" check --init "$init" --activation "$act" --width "$width" --depth "$depth" \
        >/dev/null 2>&1 || code=$?
      secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
      printf '%d  %5.1f s  --init %q --activation %q --width %d --depth %d\n' \
        "$code" "$secs" "$init" "$act" "$width" "$depth"
      [[ $code == 0 || $code == 1 ]] || status=1
    done
  done
done
exit $status
