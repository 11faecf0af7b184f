#!/usr/bin/env bash
# Sets up, builds and generates the default stability report (reports/report.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
./build/initcheck report --sweep reports/default.yaml --out reports
