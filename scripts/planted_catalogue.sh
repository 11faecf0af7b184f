#!/usr/bin/env bash
# Runs the planted catalogue (properties/planted_catalogue.cpp) through the property suite under
# RapidCheck seeds 1..N and prints, per entry, how many seeds passed: matched schemes must pass at
# every seed, every planted bug must fail at every seed. Exit 1 if any seed disagrees.
# Usage: scripts/planted_catalogue.sh BUILD_DIR [N=20] [--suite]
set -euo pipefail
build=${1:?usage: planted_catalogue.sh BUILD_DIR [N] [--suite]}
n=${2:-20}
shift $(($# < 2 ? $# : 2))
program="$build/properties/planted_catalogue"
[[ -x $program ]] || { echo "planted_catalogue.sh: $program not built" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
for seed in $(seq 1 "$n"); do
  RC_PARAMS="seed=$seed" "$program" "$@" >"$tmp/$seed.out" 2>/dev/null || status=1
done
cat "$tmp"/*.out | sort | uniq -c | sort -k4
echo "seeds: $n; exit $status (0 = every seed as expected)"
exit $status
