#!/usr/bin/env python3
"""The PyTorch peer of transformer_bench's BM_TransformerBlock (docs/performance.md): a CPU loop
doing the same transformer-block forward with per-tensor statistics under torch.no_grad in
float32 — width 512, 8 heads, 128 tokens, MLP hidden 2048, GELU, pre-norm LayerNorm without
affine parameters, residual scale 1, no biases, no mask, 8 sequences. The statistics are taken on
the same 12 stored tensors as initcheck's: LN(x), q, k, v, attention output, W_o projection,
first residual sum, LN, W_1 pre-activation, GELU output, W_2 output, block output. `--stats`:
  full     what the engine's TensorAccumulator records (pytorch_peer.tensor_stats: moments, min,
           max, |x| < 0.25, channel statistics, NaN/inf counts)
  hooks    the course's hooks, as pytorch_peer.py's lean set: mean and std (torch.std_mean) and
           the fraction |x| < 0.25
  moments  mean and second moment only, PyTorch's fastest way (x.mean(), x.square().mean():
           ≈ 20× faster than torch.std_mean in 1.13)
  none     no statistics

Prints `pytorch_transformer_peer stats=… threads=… OPENBLAS_…=… tokens/s=<median>
tokens/s_cpu=<median> GFLOP/s=…`: tokens per wall-clock second and per CPU second of the process
(the load-robust figure for one thread), the medians over --repeats timed passes after one
warm-up, flops counted as transformer_bench counts them. With --json writes the result for
transformer_peer_table.py. Run by scripts/bench_transformer_peer.sh next to transformer_bench.
"""
import argparse
import json
import os
import statistics
import time

import torch
import torch.nn.functional as F

from pytorch_peer import lean_stats as hooks_stats
from pytorch_peer import tensor_stats

WIDTH, HEADS, HIDDEN, TOKENS, SEQUENCES = 512, 8, 2048, 128, 8


def moment_stats(x):
    return x.mean(), x.square().mean()


def block_forward(w, x, stats, record):
    """Pre-norm block on x (B·T × d, one row per token, PyTorch's layout)."""
    d, dh = WIDTH, WIDTH // HEADS

    def heads(t):  # (B·T, d) → (B, H, T, d_h)
        return t.reshape(SEQUENCES, TOKENS, HEADS, dh).transpose(1, 2)

    def keep(t):
        if stats is not None:
            record.append(stats(t))
        return t

    n1 = keep(F.layer_norm(x, (d,), eps=1e-5))
    qkv = F.linear(n1, w["qkv"])
    q, k, v = (keep(t) for t in qkv.split(d, dim=1))
    scores = torch.matmul(heads(q), heads(k).transpose(-2, -1)).mul_(dh ** -0.5)
    probs = torch.softmax(scores, dim=-1)
    a = keep(torch.matmul(probs, heads(v)).transpose(1, 2).reshape(SEQUENCES * TOKENS, d))
    proj = keep(F.linear(a, w["o"]))
    s1 = keep(x + proj)
    n2 = keep(F.layer_norm(s1, (d,), eps=1e-5))
    up = keep(F.linear(n2, w["up"]))
    act = keep(F.gelu(up))
    down = keep(F.linear(act, w["down"]))
    return keep(s1 + down)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="torch intra-op threads (OpenBLAS has its own: OPENBLAS_NUM_THREADS)")
    parser.add_argument("--stats", choices=("full", "hooks", "moments", "none"), default="full")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--min-seconds", type=float, default=0.5,
                        help="each timed pass repeats the forward until this long")
    parser.add_argument("--json", help="also write the result to this file")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    d, m = WIDTH, HIDDEN
    w = {"qkv": torch.randn(3 * d, d) / d ** 0.5, "o": torch.randn(d, d) / d ** 0.5,
         "up": torch.randn(m, d) / d ** 0.5, "down": torch.randn(d, m) / m ** 0.5}
    x = torch.randn(SEQUENCES * TOKENS, d)
    stats = {"full": tensor_stats, "hooks": hooks_stats, "moments": moment_stats,
             "none": None}[args.stats]
    tokens = SEQUENCES * TOKENS
    flops = tokens * (2.0 * (4 * d * d + 2 * d * m) + 4.0 * TOKENS * d)
    wall, cpu = [], []
    with torch.no_grad():
        block_forward(w, x, stats, [])  # warm-up
        for _ in range(args.repeats):
            n = 0
            start, start_cpu = time.perf_counter(), time.process_time()
            while True:
                record = []
                block_forward(w, x, stats, record)
                n += 1
                elapsed = time.perf_counter() - start
                if elapsed >= args.min_seconds:
                    break
            wall.append(n * tokens / elapsed)
            cpu.append(n * tokens / (time.process_time() - start_cpu))
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    coretype = os.environ.get("OPENBLAS_CORETYPE", "auto")
    result = {"stats": args.stats, "threads": args.threads, "blas_threads": blas,
              "blas_coretype": coretype,
              "tokens_per_s": statistics.median(wall), "tokens_per_cpu_s": statistics.median(cpu),
              "gflops": statistics.median(wall) * flops / tokens * 1e-9,
              "torch": torch.__version__}
    print(f"pytorch_transformer_peer stats={args.stats} threads={args.threads} "
          f"OPENBLAS_NUM_THREADS={blas} OPENBLAS_CORETYPE={coretype} tokens/s={result['tokens_per_s']:.0f} "
          f"tokens/s_cpu={result['tokens_per_cpu_s']:.0f} GFLOP/s={result['gflops']:.1f} "
          f"torch={torch.__version__}", flush=True)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
