#!/usr/bin/env bash
# Measures initcheck's forward pass (bench/forward_bench) and the PyTorch peer
# (bench/pytorch_peer.py: Debian's python3-torch 1.13 on OpenBLAS, both cores) in one run and
# prints the table of docs/performance.md. Installs python3-torch and libopenblas0-pthread
# (≈ 0.7 GB; not in scripts/setup.sh's default set). Run on an otherwise idle machine.
# The peer runs with glibc's trim/mmap thresholds raised (the page-fault trap of
# docs/performance.md costs PyTorch up to 1.5× at width 256), OPENBLAS_CORETYPE as the
# environment sets it.
# Takes ≈ 10 minutes after the build.
# Usage: scripts/bench_peer.sh [OUTPUT_DIR]   (default: a new temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh python3-torch libopenblas0-pthread
out=${1:-$(mktemp -d)}
mkdir -p "$out"
# -march=native: the table is the best this machine does (the default portable build's forward
# pass is compared with it in README, "Build options").
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DINITCHECK_BUILD_BENCH=ON \
  -DINITCHECK_BUILD_TESTS=OFF -DINITCHECK_BUILD_PROPERTIES=OFF -DINITCHECK_MARCH=native >/dev/null
cmake --build build-bench --target forward_bench -j "$(nproc)"
build-bench/bench/forward_bench --benchmark_min_time=0.5 \
  --benchmark_filter='^BM_Forward/|^BM_ForwardFp16/|^BM_ForwardReplicates/|^BM_Bare(Engine)?GemmChain/[0-9]+/1$' \
  --benchmark_out="$out/forward_bench.json" --benchmark_out_format=json
# The peer gets its best thread setup: torch's OpenMP pool and OpenBLAS's own threads
# oversubscribe the 2 cores when both use 2 (up to 4× slower at width 256), so every
# combination is run and peer_table.py keeps the best per width.
peers=()
for stats in lean full; do
  for blas in 1 2; do
    for torch_threads in 1 2; do
      file="$out/peer_${stats}_torch${torch_threads}_blas${blas}.json"
      OPENBLAS_NUM_THREADS=$blas MALLOC_TRIM_THRESHOLD_=1073741824 \
        MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864 \
        /usr/bin/python3 bench/pytorch_peer.py --stats "$stats" --threads "$torch_threads" \
        --json "$file"
      peers+=("$file")
    done
  done
done
echo
/usr/bin/python3 bench/peer_table.py "$out/forward_bench.json" "${peers[@]}"
echo "(raw results in $out)"
