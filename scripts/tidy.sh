#!/usr/bin/env bash
# Runs clang-tidy with the committed .clang-tidy and fails (exit 1) when it reports anything.
# Usage: scripts/tidy.sh [FILE|DIR ...]
#   With no argument: every tracked .cpp under src/ tests/ properties/ bench/ examples/.
#   A DIR stands for the tracked .cpp files below it. Warnings in project headers are reported
#   once, whichever file included them.
# Compile flags come from build/compile_commands.json (./build is configured with
# CMAKE_EXPORT_COMPILE_COMMANDS=ON when the file is missing). Files built outside this project
# (examples/, tests/package/consumer/) or not in the database borrow the flags of
# properties/properties.cpp, which sees every include directory.
# Environment: INITCHECK_TIDY_BUILD_DIR (default build), INITCHECK_TIDY_JOBS (default 2),
# CLANG_TIDY (default clang-tidy).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${INITCHECK_TIDY_BUILD_DIR:-build}
jobs=${INITCHECK_TIDY_JOBS:-2}
tidy=${CLANG_TIDY:-clang-tidy}

if ! command -v "$tidy" >/dev/null; then
  echo "tidy: $tidy not found (scripts/setup.sh installs clang-tidy)" >&2
  exit 2
fi
if (($# == 0)); then
  set -- src tests properties bench examples
fi
files=()
for arg in "$@"; do
  if [[ -d $arg ]]; then
    mapfile -t found < <(git ls-files -- "$arg" | grep -E '\.cpp$' || true)
    files+=("${found[@]}")
  elif [[ -f $arg ]]; then
    files+=("$(realpath --relative-to="$root" "$arg")")
  else
    echo "tidy: no such file or directory: $arg" >&2
    exit 2
  fi
done
mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -v '^$' | LC_ALL=C sort -u)
if ((${#files[@]} == 0)); then
  echo "tidy: no .cpp files in: $*" >&2
  exit 2
fi

if [[ ! -f $build/compile_commands.json ]]; then
  echo "tidy: configuring $build (CMAKE_EXPORT_COMPILE_COMMANDS=ON)" >&2
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The build's compilation database plus borrowed entries for files it does not know.
python3 - "$build/compile_commands.json" "$work/compile_commands.json" "${files[@]}" <<'PY'
import json, os, sys

source, target, files = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(source) as f:
    entries = json.load(f)
known = {os.path.realpath(os.path.join(e["directory"], e["file"])) for e in entries}
donor = next((e for e in entries if e["file"].endswith("/properties/properties.cpp")), None)
if donor is None:
    donor = next(e for e in entries if "/src/initcheck/" in e["file"])
for name in files:
    path = os.path.realpath(name)
    if path in known:
        continue
    entry = {"directory": donor["directory"], "file": path}
    if "command" in donor:
        entry["command"] = donor["command"].replace(donor["file"], path)
    else:
        entry["arguments"] = [a.replace(donor["file"], path) for a in donor["arguments"]]
    entries.append(entry)
with open(target, "w") as f:
    json.dump(entries, f, indent=1)
PY

echo "tidy: ${#files[@]} files, $jobs jobs" >&2
export tidy work
printf '%s\0' "${files[@]}" | xargs -0 -P "$jobs" -n 1 bash -c '
  out=$work/$(printf "%s" "$1" | tr / _)
  if ! "$tidy" -p "$work" --quiet "$1" >"$out.log" 2>"$out.err"; then echo "$1" >"$out.failed"; fi
' _

# One line per distinct diagnostic, paths relative to the checkout, in a fixed order.
cat "$work"/*.log | grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error): ' |
  sed "s|^$root/||" | LC_ALL=C sort -u >"$work/diagnostics" || true
failed=$(cat "$work"/*.failed 2>/dev/null | LC_ALL=C sort || true)
count=$(wc -l <"$work/diagnostics")

cat "$work/diagnostics"
if [[ -n $failed ]]; then
  echo "tidy: clang-tidy failed (compile errors?) on:" $failed >&2
fi
if ((count > 0)); then
  echo "tidy: $count diagnostics; by check:"
  grep -oE '\[[^]]+\]$' "$work/diagnostics" | LC_ALL=C sort | uniq -c | LC_ALL=C sort -k1,1nr -k2
fi
if ((count > 0)) || [[ -n $failed ]]; then
  exit 1
fi
echo "tidy: ${#files[@]} files clean under .clang-tidy"
