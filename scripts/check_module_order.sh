#!/usr/bin/env bash
# Module order (docs/architecture.md): every `#include "initcheck/<module>/…"` in
# src/initcheck/<from>/ must name <from> itself or a module <from> may depend on. Prints each
# violation as FILE:LINE: <from> must not include <module>, and exits 1 if there is any.
# Usage: scripts/check_module_order.sh [SOURCE_ROOT=the repository]
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
declare -A allowed=(
  [core]=""
  [io]="core"
  [rng]="core"
  [stats]="core"
  [precision]="core"
  [nn]="core"
  [init]="core rng"
  [model]="core init io nn precision stats"
  [engine]="core init io model nn precision rng"
  [theory]="core init io model nn precision stats"
  [claims]="core engine init io model nn precision rng stats theory"
  [sweep]="claims core engine init io model nn precision rng stats theory"
  [report]="claims core engine init io model nn precision rng stats sweep theory"
)
status=0
for dir in "$root"/src/initcheck/*/; do
  from=$(basename "$dir")
  if [[ ! -v allowed[$from] ]]; then
    echo "src/initcheck/$from: module not in the order table of $0" >&2
    status=1
    continue
  fi
  while IFS=: read -r file line text; do
    to=$(sed -E 's|.*"initcheck/([a-z_]+)/.*|\1|' <<< "$text")
    [[ $to == "$from" || " ${allowed[$from]} " == *" $to "* ]] && continue
    echo "${file#"$root"/}:$line: $from must not include $to" >&2
    status=1
  done < <(grep -rnE '^\s*#\s*include\s+"initcheck/' "$dir")
done
exit $status
