#!/usr/bin/env bash
# The doc-reference lint must catch what it was written for: in a scratch tree whose references
# all resolve (it must pass), plants a comment naming a doc that does not exist and a README
# link to a missing page, and expects the lint to name both.
set -u
repo=$(cd "$(dirname "$0")/../.." && pwd)
lint="$repo/scripts/check_doc_links.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/docs" "$work/src/initcheck/stats"
echo "# Statistics" > "$work/docs/statistics.md"
printf 'See [statistics](docs/statistics.md#claims) and [site](https://example.org).\n' \
  > "$work/README.md"
echo '/// Verdicts (docs/statistics.md).' > "$work/src/initcheck/stats/verdict.hpp"
bash "$lint" "$work" || { echo "FAIL: the lint rejects a tree whose references resolve"; exit 1; }
gone=budget  # spelled through a variable so the lint of this repository does not see it
echo "// Error budget (docs/$gone.md)." >> "$work/src/initcheck/stats/verdict.hpp"
printf '\nThe [claims](docs/claims.md).\n' >> "$work/README.md"
if out=$(bash "$lint" "$work" 2>&1); then
  echo "FAIL: the lint passed two dangling references"
  exit 1
fi
for want in "verdict.hpp:2: docs/$gone.md does not exist" \
  "README.md:3: docs/claims.md does not exist"; do
  grep -qF "$want" <<< "$out" || { echo "FAIL: expected '$want' in: $out"; exit 1; }
done
echo "doc-reference lint: passes resolved references, catches both planted dangling ones"
