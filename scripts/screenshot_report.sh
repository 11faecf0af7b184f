#!/usr/bin/env bash
# Renders a report's Markdown to HTML with cmark-gfm (GitHub's Markdown) and takes a headless
# Chromium screenshot of its first screen (1280×900), the view a reviewer opens.
# Usage: scripts/screenshot_report.sh [--keep-html] [--no-install] [REPORT.md [OUT.png]]
#   defaults: reports/report.md → docs/report-first-screen.png
#   --keep-html   also writes the rendered page next to OUT.png as OUT.html (for debugging)
#   --no-install  never installs anything (without the emoji font the marks are empty boxes)
# Otherwise missing cmark-gfm, chromium or the emoji font are installed with scripts/setup.sh
# (apt-get, as root).
# Prints "first-screen: matrix-top=N answer=0|1" (N: the verdict matrix's top edge in pixels).
set -euo pipefail
keep_html=0
install=1
args=()
for a in "$@"; do
  case $a in
    --keep-html) keep_html=1 ;;
    --no-install) install=0 ;;
    *) args+=("$a") ;;
  esac
done
# Paths given are relative to the caller's directory, the defaults to the repository's.
report=$(realpath -m "${args[0]:-$(dirname "$0")/../reports/report.md}")
out=$(realpath -m "${args[1]:-$(dirname "$0")/../docs/report-first-screen.png}")
cd "$(dirname "$0")/.."
[[ -f $report ]] || { echo "screenshot_report: no such report: $report" >&2; exit 2; }

browser=$(command -v chromium || command -v chromium-browser || true)
# The emoji font draws the verdict matrix's marks (without it they are empty boxes).
if ((install)) && { ! command -v cmark-gfm >/dev/null || [[ -z $browser ]] ||
  ! fc-list 2>/dev/null | grep -qi 'Noto Color Emoji'; }; then
  bash scripts/setup.sh chromium fonts-dejavu-core fonts-noto-color-emoji >&2
  browser=$(command -v chromium || command -v chromium-browser)
fi
if ! command -v cmark-gfm >/dev/null || [[ -z $browser ]]; then
  echo "screenshot_report: cmark-gfm or chromium is missing (bash scripts/setup.sh chromium)" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
report_dir=$(cd "$(dirname "$report")" && pwd)
html=$work/report.html
# GitHub-like page: 980 px content column, bordered tables, system sans-serif font. The script at
# the end records where the verdict matrix (the first table) starts, for the caller's check.
{
  cat <<HTML
<!DOCTYPE html><html><head><meta charset="utf-8"><base href="file://$report_dir/">
<style>
body { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif;
       font-size: 16px; line-height: 1.5; color: #1f2328; margin: 0; }
main { max-width: 980px; margin: 0 auto; padding: 24px 32px; }
h1 { font-size: 2em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 0 0 16px; }
h2 { font-size: 1.5em; border-bottom: 1px solid #d1d9e0; padding-bottom: .3em; margin: 24px 0 16px; }
p, ul, table { margin: 0 0 16px; }
table { border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; }
th, td { border: 1px solid #d1d9e0; padding: 6px 13px; }
tr:nth-child(2n) { background: #f6f8fa; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 85%; background: #eff1f3;
       padding: .2em .4em; border-radius: 6px; }
img { max-width: 100%; }
</style></head><body><main>
HTML
  cmark-gfm --unsafe --extension table --extension autolink --extension strikethrough \
    --to html "$report"
  cat <<'HTML'
</main><script>
const t = document.querySelector('table');
const p = document.querySelector('p');
document.title = 'matrix-top=' + (t ? Math.round(t.getBoundingClientRect().top) : -1) +
                 ' answer=' + (p && p.textContent.startsWith('Answer.') ? 1 : 0);
</script></body></html>
HTML
} > "$html"

mkdir -p "$(dirname "$out")"
flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,900
       --user-data-dir="$work/profile")
"$browser" "${flags[@]}" --screenshot="$work/shot.png" "file://$html" >/dev/null 2>&1
"$browser" "${flags[@]}" --dump-dom "file://$html" 2>/dev/null |
  sed -n 's|.*<title>\(.*\)</title>.*|first-screen: \1|p'
mv "$work/shot.png" "$out"
if ((keep_html)); then cp "$html" "${out%.png}.html"; fi
echo "screenshot_report: wrote $out ($(stat -c %s "$out") bytes)"
