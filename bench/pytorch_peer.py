#!/usr/bin/env python3
"""The PyTorch peer of forward_bench's BM_Forward (docs/performance.md): a CPU loop doing the same
forward pass with per-layer statistics — depth 50, batch 256, ReLU, fp32, Linear layers without
bias, Kaiming-uniform weights. `--stats full` records what the engine records: for the pre- and
post-activation of every layer the mean, second moment, variance, min, max, the fraction of
|x| < 0.25, the channel (feature) statistics (mean of squared channel means, mean channel
variance, extreme channel means/variances), NaN/inf counts, and per-sample squared norms of the
layer input and pre-activation. `--stats lean` records mean, std and the fraction |x| < 0.25 of
each layer output (the course's hooks).

Prints one line per width, `pytorch_peer stats=… width=… threads=… OPENBLAS_NUM_THREADS=…
GFLOP/s=<median> min=… max=…` (the median over --repeats timed passes after one warm-up, counting
2·w²·B flops per layer), and with --json writes the results for peer_table.py. Run by
scripts/bench_peer.sh next to forward_bench so both figures come from one run.
"""
import argparse
import json
import os
import statistics
import time

import torch

DEPTH = 50
BATCH = 256


def tensor_stats(x):
    # x is B × C (PyTorch layout): channels are columns, samples rows.
    flat = x.reshape(-1)
    mean = flat.mean(dtype=torch.float64)
    second = flat.square().mean(dtype=torch.float64)
    ch_mean = x.mean(dim=0, dtype=torch.float64)
    ch_var = x.var(dim=0, unbiased=False)
    return (mean, second, second - mean * mean, flat.min(), flat.max(),
            (flat.abs() < 0.25).float().mean(), ch_mean.square().mean(), ch_var.mean(),
            ch_mean.abs().max(), ch_var.min(), ch_var.max(),
            torch.isnan(flat).sum(), torch.isinf(flat).sum())


def lean_stats(x):
    # The course's hooks: mean, std and the fraction of |x| < 0.25 of each layer's output.
    std, mean = torch.std_mean(x, unbiased=False)
    return mean, std, (x.abs() < 0.25).sum()


def forward_lean(weights, x, record):
    h = x
    for w in weights:
        h = torch.relu(torch.nn.functional.linear(h, w))
        record.append(lean_stats(h))
    return h


def forward_full(weights, x, record):
    h = x
    for w in weights:
        in_norms = h.square().sum(dim=1, dtype=torch.float64)
        z = torch.nn.functional.linear(h, w)
        pre_norms = z.square().sum(dim=1, dtype=torch.float64)
        pre = tensor_stats(z)
        h = torch.relu(z)
        record.append((in_norms, pre_norms, pre, tensor_stats(h)))
    return h


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--widths", default="64,256,1024,2048")
    parser.add_argument("--threads", type=int, default=2,
                        help="torch intra-op threads (OpenBLAS has its own: OPENBLAS_NUM_THREADS)")
    parser.add_argument("--stats", choices=("full", "lean"), default="full",
                        help="full: everything the engine records; lean: mean, std and "
                        "fraction |x| < 0.25 of each layer output")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="also write the results to this file (for peer_table.py)")
    parser.add_argument("--min-seconds", type=float, default=0.3,
                        help="each timed pass repeats the forward until this long")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    forward = forward_full if args.stats == "full" else forward_lean
    torch.manual_seed(1)
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    results = []
    with torch.no_grad():
        for width in (int(w) for w in args.widths.split(",")):
            bound = (6.0 / width) ** 0.5
            weights = [torch.empty(width, width).uniform_(-bound, bound) for _ in range(DEPTH)]
            x = torch.randn(BATCH, width)
            forward(weights, x, [])  # warm-up
            flops = 2.0 * width * width * BATCH * DEPTH
            rates = []
            for _ in range(args.repeats):
                n = 0
                start = time.perf_counter()
                while True:
                    forward(weights, x, [])
                    n += 1
                    elapsed = time.perf_counter() - start
                    if elapsed >= args.min_seconds:
                        break
                rates.append(n * flops / elapsed * 1e-9)
            results.append({"width": width, "threads": args.threads, "blas_threads": blas,
                            "stats": args.stats, "gflops": statistics.median(rates),
                            "torch": torch.__version__})
            print(f"pytorch_peer stats={args.stats} width={width} threads={args.threads} "
                  f"OPENBLAS_NUM_THREADS={blas} "
                  f"GFLOP/s={statistics.median(rates):.1f} min={min(rates):.1f} "
                  f"max={max(rates):.1f} torch={torch.__version__}", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
