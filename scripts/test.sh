#!/usr/bin/env bash
# Sets up, builds and runs every test (unit tests, property suite, package consumer) with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
