#!/usr/bin/env python3
"""Joins the rounds of transformer_bench (Google Benchmark JSON, initcheck_*.json) and of
pytorch_transformer_peer.py (--json files, peer_*.json) in one directory into the Markdown table
of docs/performance.md: per OpenBLAS kernel set and statistics set, PyTorch's tokens/s per CPU
second with one thread against initcheck's (the load-robust comparison), and the best wall-clock
tokens/s on two cores of each (meaningful on an idle machine only). Figures are medians over the
rounds; PyTorch's two-core figure is the best thread setup's median.

Usage: transformer_peer_table.py RESULTS_DIR
"""
import glob
import json
import os
import statistics
import sys
from collections import defaultdict


def load_initcheck(directory):
    """{benchmark name: [tokens/s of each round]}."""
    rates = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(directory, "initcheck_*.json"))):
        with open(path, encoding="utf-8") as f:
            for b in json.load(f)["benchmarks"]:
                if "tokens/s" in b:
                    rates[b["name"]].append(b["tokens/s"])
    return rates


def load_peers(directory):
    """{(coretype, stats, threads, blas threads): [result of each round]}."""
    runs = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(directory, "peer_*.json"))):
        with open(path, encoding="utf-8") as f:
            r = json.load(f)
        runs[(r["blas_coretype"], r["stats"], r["threads"], str(r["blas_threads"]))].append(r)
    return runs


def main():
    if len(sys.argv) != 2:
        print("transformer_peer_table: " + __doc__.strip().splitlines()[-1], file=sys.stderr)
        sys.exit(2)
    try:
        ours = load_initcheck(sys.argv[1])
        peers = load_peers(sys.argv[1])
        one = statistics.median(ours["BM_TransformerBlock/1"])
        two = statistics.median(ours["BM_TransformerBlock/2/real_time"])
    except (OSError, ValueError, KeyError, TypeError, statistics.StatisticsError) as e:
        print(f"transformer_peer_table: cannot read the results: {type(e).__name__}: {e}",
              file=sys.stderr)
        sys.exit(2)
    print(f"initcheck, forward + full statistics: {one:.0f} tokens/s per CPU second (1 thread), "
          f"{two:.0f} tokens/s wall-clock (2 threads); {len(ours['BM_TransformerBlock/1'])} rounds")
    print()
    print("| OpenBLAS kernels | PyTorch statistics | PyTorch 1 thread, tokens/CPU s | "
          "initcheck / PyTorch, 1 thread | PyTorch best on 2 cores, tokens/s (torch/BLAS threads) "
          "| initcheck 2 threads / PyTorch best |")
    print("|---|---|---|---|---|---|")
    for coretype in sorted({k[0] for k in peers}):
        for stats in ("none", "moments", "hooks", "full"):
            single = peers.get((coretype, stats, 1, "1"))
            if not single:
                continue
            cpu = statistics.median(r["tokens_per_cpu_s"] for r in single)
            best, setup = 0.0, ""
            for (c, s, threads, blas), rs in peers.items():
                if c == coretype and s == stats:
                    wall = statistics.median(r["tokens_per_s"] for r in rs)
                    if wall > best:
                        best, setup = wall, f"{threads}/{blas}"
            print(f"| {coretype} | {stats} | {cpu:.0f} | {one / cpu:.2f}× | {best:.0f} ({setup}) | "
                  f"{two / best:.2f}× |")


if __name__ == "__main__":
    main()
