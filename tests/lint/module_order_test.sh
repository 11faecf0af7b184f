#!/usr/bin/env bash
# The module-order lint must catch a dependency against the order: plants the two breaks it was
# written for (theory including the engine, claims including report) in a copy of the sources
# and expects the lint to name both; the unmodified copy must pass.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
lint="$repo/scripts/check_module_order.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" && cp -r "$repo/src/initcheck" "$work/src/"
bash "$lint" "$work" || { echo "FAIL: the unmodified sources violate the module order"; exit 1; }
echo '#include "initcheck/engine/network.hpp"' >> "$work/src/initcheck/theory/trajectory.hpp"
echo '#include "initcheck/report/markdown_text.hpp"' >> "$work/src/initcheck/claims/check.cpp"
if out=$(bash "$lint" "$work" 2>&1); then
  echo "FAIL: the lint passed two planted breaks"
  exit 1
fi
for want in "trajectory.hpp:.*theory must not include engine" "check.cpp:.*claims must not include report"; do
  grep -qE "$want" <<< "$out" || { echo "FAIL: expected '$want' in: $out"; exit 1; }
done
echo "module order lint: passes the sources, catches both planted breaks"
