#!/usr/bin/env bash
# Measures the transformer block forward with per-tensor statistics (bench/transformer_bench:
# width 512, 8 heads, 128 tokens, MLP 2048, 8 sequences) and the PyTorch peer doing the same
# (bench/pytorch_transformer_peer.py: Debian's python3-torch 1.13 on OpenBLAS) in one run, in
# alternating rounds, and prints the table of docs/performance.md (bench/transformer_peer_table.py).
# Installs python3-torch and libopenblas0-pthread (≈ 0.7 GB; not in scripts/setup.sh's default
# set). The peer runs with glibc's trim/mmap thresholds raised (as transformer_bench), every
# torch/OpenBLAS thread setup, each statistics set (none; moments = mean and second moment;
# hooks = the course's mean, std and fraction |x| < 0.25; full = what initcheck records), and
# both the OpenBLAS kernels OPENBLAS_CORETYPE selects in this environment (unset: auto-detected)
# and OpenBLAS's AVX-512 kernels (SkylakeX).
# The one-thread figures are per CPU second (robust under load); the two-thread figures are
# wall-clock and need an otherwise idle machine. Takes ≈ 5 minutes per round after the build.
# Usage: scripts/bench_transformer_peer.sh [OUTPUT_DIR] [ROUNDS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh python3-torch libopenblas0-pthread
out=${1:-$(mktemp -d)}
rounds=${2:-2}
mkdir -p "$out"
# -march=native as scripts/bench_peer.sh (the AVX-512 GEMM kernel is dispatched at run time
# either way).
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DINITCHECK_BUILD_BENCH=ON \
  -DINITCHECK_BUILD_TESTS=OFF -DINITCHECK_BUILD_PROPERTIES=OFF -DINITCHECK_MARCH=native >/dev/null
cmake --build build-bench --target transformer_bench -j "$(nproc)"
coretypes=("${OPENBLAS_CORETYPE:-auto}" SkylakeX)
for ((round = 1; round <= rounds; ++round)); do
  build-bench/bench/transformer_bench --benchmark_min_time=1 \
    --benchmark_filter='^BM_TransformerBlock/' \
    --benchmark_out="$out/initcheck_$round.json" --benchmark_out_format=json
  for coretype in "${coretypes[@]}"; do
    for stats in none moments hooks full; do
      for threads in "1 1" "2 1" "1 2"; do
        read -r torch_threads blas <<< "$threads"
        env_coretype=()
        [[ $coretype != auto ]] && env_coretype=(OPENBLAS_CORETYPE="$coretype")
        env -u OPENBLAS_CORETYPE "${env_coretype[@]}" OPENBLAS_NUM_THREADS="$blas" \
          MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_MMAP_THRESHOLD_=1073741824 \
          MALLOC_TOP_PAD_=67108864 /usr/bin/python3 bench/pytorch_transformer_peer.py \
          --stats "$stats" --threads "$torch_threads" --repeats 3 --min-seconds 0.4 \
          --json "$out/peer_${round}_${coretype}_${stats}_t${torch_threads}_b${blas}.json"
      done
    done
  done
done
echo
/usr/bin/python3 bench/transformer_peer_table.py "$out"
echo "(raw results in $out)"
