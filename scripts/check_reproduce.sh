#!/usr/bin/env bash
# Proves that RC_PARAMS="reproduce=…" replays a property failure exactly. Runs a deliberately
# failing property program once with a fixed seed and shrinking off (so the counterexample is a
# raw random case: random depth, widths, batch and 40-bit engine seed), takes the reproduce line
# RapidCheck prints, runs the program again with only that line and compares the two printed
# counterexamples, including the measured values in the failure log.
# Usage: scripts/check_reproduce.sh PROGRAM SEED
set -euo pipefail
program=$1
seed=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

RC_PARAMS="seed=$seed noshrink=1" "$program" >"$tmp/first.log" 2>&1 || true
reproduce=$(grep -o 'reproduce=[^" ]*' "$tmp/first.log" | head -n 1 || true)
if [[ -z $reproduce ]]; then
  echo "check_reproduce: the first run printed no reproduce line:" >&2
  cat "$tmp/first.log" >&2
  exit 1
fi
RC_PARAMS="$reproduce" "$program" >"$tmp/second.log" 2>&1 || true

# The counterexample: the generated values and the failure log, up to GoogleTest's next line.
counterexample() {
  awk '/Falsifiable after/ {on = 1; next} on && /^\[ / {exit} on && NF {print}' "$1"
}
first=$(counterexample "$tmp/first.log")
second=$(counterexample "$tmp/second.log")
if [[ -z $first ]]; then
  echo "check_reproduce: the first run printed no counterexample:" >&2
  cat "$tmp/first.log" >&2
  exit 1
fi
if [[ $first != "$second" ]]; then
  echo "check_reproduce: the replay differs from the original failure" >&2
  diff <(echo "$first") <(echo "$second") >&2 || true
  exit 1
fi
echo "check_reproduce: $reproduce replays the same counterexample:"
echo "$first"
