#!/usr/bin/env python3
"""Joins one run of forward_bench (Google Benchmark JSON) and of pytorch_peer.py (--json files,
any number of thread configurations and both statistics sets) into the Markdown table of
docs/performance.md. The PyTorch figure per width and statistics set is the best
over the configurations given.

Usage: peer_table.py FORWARD_BENCH.json PEER.json [PEER.json ...]
"""
import json
import sys


def load_bench(path):
    with open(path, encoding="utf-8") as f:
        return {b["name"]: b["GFLOP/s"] for b in json.load(f)["benchmarks"] if "GFLOP/s" in b}


def load_peers(paths):
    """{stats: {width: (best GFLOP/s, 'torch threads/BLAS threads')}}."""
    best = {"lean": {}, "full": {}}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for r in json.load(f):
                table = best[r["stats"]]
                if r["width"] not in table or r["gflops"] > table[r["width"]][0]:
                    table[r["width"]] = (r["gflops"], f"{r['threads']}/{r['blas_threads']}")
    return best


def main():
    if len(sys.argv) < 3:
        print("peer_table: " + __doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    try:
        bench = load_bench(sys.argv[1])
        peers = load_peers(sys.argv[2:])
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"peer_table: cannot read the results: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(2)
    lean = peers["lean"]
    full = peers["full"]
    print("| width | forward + stats, 1 thread | bare Eigen GEMM | bare engine GEMM | "
          "ratio to Eigen / engine GEMM | 1 network, 2 threads | 2 networks, 2 threads | "
          "PyTorch lean / full | speed-up vs PyTorch lean (1 net / 2 nets) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for width in sorted(lean):
        fwd = bench.get(f"BM_Forward/{width}/1")
        eigen = bench.get(f"BM_BareGemmChain/{width}/1")
        engine = bench.get(f"BM_BareEngineGemmChain/{width}/1")
        two = bench.get(f"BM_Forward/{width}/2/real_time")
        reps = bench.get(f"BM_ForwardReplicates/{width}/real_time")
        if None in (fwd, eigen, engine, two, reps) or width not in full:
            continue
        print(f"| {width} | {fwd:.0f} | {eigen:.0f} | {engine:.0f} | "
              f"{fwd / eigen:.2f} / {fwd / engine:.2f} | {two:.0f} | {reps:.0f} | "
              f"{lean[width][0]:.1f} / {full[width][0]:.1f} | "
              f"{two / lean[width][0]:.1f}× / {reps / lean[width][0]:.1f}× |")
    fp32 = bench.get("BM_Forward/1024/1")
    fp16 = bench.get("BM_ForwardFp16/1024/1")
    if fp32 and fp16:
        print(f"\nfp16 storage costs {fp32 / fp16:.2f}× the fp32 forward at width 1024 (1 thread).")
    print()
    print("PyTorch best configuration (torch threads/OPENBLAS_NUM_THREADS), lean / full: " +
          ", ".join(f"{w}: {lean[w][1]} / {full[w][1]}" for w in sorted(lean) if w in full))


if __name__ == "__main__":
    main()
