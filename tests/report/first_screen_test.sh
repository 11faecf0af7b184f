#!/usr/bin/env bash
# The report's first screen, as a reviewer sees it: runs a small sweep, renders report.md with
# cmark-gfm, screenshots it in headless Chromium (scripts/screenshot_report.sh) and checks that
# the screen opens with the answer paragraph and shows the verdict matrix (its top edge within
# the first 900 px), and that the screenshot is a real image.
# Usage: first_screen_test.sh INITCHECK_BINARY   (registered with ctest only when cmark-gfm and
# chromium are installed)
set -euo pipefail
binary=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/sweep.yaml" <<'YAML'
seed: 7
blocks:
  - init: [kaiming_normal, xavier_normal, "normal(std=1)"]
    activation: [relu, tanh]
    depth: 6
    width: 32
    claims: [variance]
YAML
status=0
"$binary" report --sweep "$work/sweep.yaml" --out "$work/out" --jobs 1 >/dev/null || status=$?
if ((status != 0 && status != 1 && status != 3)); then
  echo "FAIL: initcheck report exited $status" >&2
  exit 1
fi
result=$(bash "$root/scripts/screenshot_report.sh" --no-install "$work/out/report.md" "$work/shot.png")
echo "$result"
grep -q 'answer=1' <<<"$result" || { echo "FAIL: the first paragraph is not the answer" >&2; exit 1; }
top=$(sed -n 's/.*matrix-top=\(-\?[0-9]*\).*/\1/p' <<<"$result")
if [[ -z $top ]] || ((top < 0 || top > 900)); then
  echo "FAIL: the verdict matrix does not start on the first screen (top: ${top:-none})" >&2
  exit 1
fi
size=$(stat -c %s "$work/shot.png")
file "$work/shot.png" | grep -q 'PNG image data, 1280 x 900' ||
  { echo "FAIL: not a 1280×900 PNG" >&2; exit 1; }
# A blank page compresses to a few KB; a rendered page of text and a table is far larger.
((size > 20000)) || { echo "FAIL: screenshot is only $size bytes (blank?)" >&2; exit 1; }
echo "first_screen_test: ok (matrix top at ${top} px, screenshot $size bytes)"
