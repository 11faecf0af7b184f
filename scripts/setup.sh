#!/usr/bin/env bash
# Installs every Debian 12 package initcheck needs to build, test and report.
# Idempotent: runs `apt-get update` and `apt-get install` only when a package is missing.
# Usage: scripts/setup.sh [EXTRA_PACKAGE ...]   (extra packages, e.g. for scripts/bench_peer.sh)
set -euo pipefail

packages=(
  build-essential cmake git pkg-config
  libeigen3-dev libboost-math-dev
  librapidcheck-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libfmt-dev nlohmann-json3-dev libmuparser-dev libyaml-cpp-dev libtomlplusplus-dev
  cmark cmark-gfm libxml2-utils qemu-user
  clang-format clang-tidy
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "setup: missing packages (${missing[*]}); run as root or install them with apt-get" >&2
  exit 2
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
