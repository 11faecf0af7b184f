#!/usr/bin/env bash
# Robustness campaign (issue #13): runs BUILD/initcheck on RUNS random mutations of valid command
# lines, init specs, sweep files, shard results and weight files (tests/robustness/fuzz_cli.cpp)
# and lists every exit 4, signal, hang (> 150 s: the compute guard bounds a run to ≈ 20 ×
# --budget nominal seconds), exit code above 3 or exit 2 without a one-line message, each as a
# shell command that reproduces it. Exit status 1 if any. The ctest `robustness_fuzz` is a short
# fixed-seed run of the same harness.
# Usage: scripts/fuzz.sh BUILD_DIR [RUNS=5000] [SEED=1] [CLASSES=all]
#   CLASSES: all, or a comma-separated subset of flags,values,text,spec,yaml,toml,merge,sizes,weights
set -euo pipefail
build=${1:?usage: fuzz.sh BUILD_DIR [RUNS] [SEED] [CLASSES]}
runs=${2:-5000}
seed=${3:-1}
classes=${4:-all}
cmake --build "$build" --target fuzz_cli initcheck_cli >/dev/null
exec "$build/tests/robustness/fuzz_cli" --binary "$build/initcheck" --seed "$seed" --runs "$runs" \
  --time-limit 86400 --timeout 150 --jobs "$(nproc)" --classes "$classes"
