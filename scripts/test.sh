#!/usr/bin/env bash
# Sets up, builds and runs every test (unit tests, property suite, package consumer) with ctest.
# Also installs Debian's PyTorch for the PyTorch bridge test (tests/cli/torch_bridge_test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh python3-torch python3-numpy
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"
