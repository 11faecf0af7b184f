#!/usr/bin/env bash
# Doc references (docs/architecture.md): every `docs/<name>.md` named in the sources, scripts,
# tests and docs, and every relative link of README.md and docs/*.md, must name a file that
# exists. Prints each dangling one as FILE:LINE: REF does not exist, and exits 1 if there is any.
# Usage: scripts/check_doc_links.sh [ROOT=the repository]
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
status=0
dirs=()
for d in src tests scripts properties bench calibration examples cmake docs README.md \
  .clang-tidy; do
  [[ -e $d ]] && dirs+=("$d")
done
while IFS=: read -r file line ref; do
  [[ -e $ref ]] && continue
  echo "$file:$line: $ref does not exist" >&2
  status=1
done < <(grep -rnoE --exclude-dir=build 'docs/[A-Za-z0-9_-]+\.md' "${dirs[@]}")
for md in README.md docs/*.md; do
  [[ -e $md ]] || continue
  while IFS=: read -r line link; do
    target=${link#](}
    target=${target%%#*}
    [[ -z $target || $target == *://* ]] && continue
    [[ -e $(dirname "$md")/$target ]] && continue
    echo "$md:$line: $target does not exist" >&2
    status=1
  done < <(grep -noE '\]\([^) ]+' "$md")
done
exit $status
