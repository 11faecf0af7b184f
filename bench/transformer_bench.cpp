// Transformer block forward with per-tensor statistics: nn::transformer_block_forward with the
// engine's TensorAccumulator (mean, second moment, min/max, |x| < 0.25, channel statistics,
// NaN/inf counts) taken on each of the 12 stored tensors as the block's sink hands them over.
// Width 512, 8 heads, 128 tokens, MLP hidden 2048 (ratio 4), GELU, pre-norm, no mask,
// 8 sequences, fp32 — the shapes of bench/pytorch_transformer_peer.py.
//
//   BM_TransformerBlock/1          one thread; rates per CPU second of the thread (robust when
//                                  other processes share the cores)
//   BM_TransformerBlock/2          the sequences split in halves over 2 threads, wall-clock
//                                  (UseRealTime; "tokens/s_cpu": Σ per-thread CPU rates)
//   BM_TransformerBlockNoStats/1   the same forward without statistics (their cost)
//   BM_TransformerBlockCausal/1    with the causal mask
//   BM_TransformerBlockBackward/1  forward + stats, then the backward pass (its rates count the
//                                  forward's tokens and flops: compare times)
//
// Counters: tokens/s (B·T tokens per forward) and GFLOP/s, counting 2·(4d² + 2dm) per token
// for the projections and 4·T·d per token for the attention products (2.5 % of the total).
// Compare with the PyTorch peer only within one run (scripts/bench_transformer_peer.sh).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <time.h>

#include <array>
#include <cmath>
#include <span>
#include <thread>
#include <vector>

#include "initcheck/engine/detail/tensor_accumulator.hpp"
#include "initcheck/nn/transformer_block.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"

namespace {

using namespace initcheck;
using Eigen::Index;
using Eigen::MatrixXf;
using Eigen::VectorXf;

// Keep glibc from returning freed memory to the OS between passes (the page-fault trap of
// docs/performance.md; the PyTorch peer runs with the same thresholds).
const bool kMalloptDone = [] {
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  return true;
}();

nn::TransformerBlockShape bench_shape(bool causal) {
  nn::TransformerBlockShape s;
  s.width = 512;
  s.heads = 8;
  s.hidden = 2048;
  s.tokens = 128;
  s.sequences = 8;
  s.causal = causal;
  return s;
}

double flops_per_forward(const nn::TransformerBlockShape& s) {
  const auto d = static_cast<double>(s.width);
  const auto m = static_cast<double>(s.hidden);
  const auto t = static_cast<double>(s.tokens);
  return static_cast<double>(s.columns()) * (2.0 * (4.0 * d * d + 2.0 * d * m) + 4.0 * t * d);
}

MatrixXf normal(rng::Engine& e, Index rows, Index cols, double std) {
  MatrixXf m(rows, cols);
  rng::fill_normal(e, std::span<float>(m.data(), static_cast<std::size_t>(m.size())), 0.0, std);
  return m;
}

/// Statistics of every stored tensor, accumulated as the block hands the tensors over.
class StatsSink final : public nn::BlockTensorSink {
 public:
  explicit StatsSink(const nn::TransformerBlockShape& s) {
    for (std::size_t i = 0; i < acc_.size(); ++i) {
      const auto t = static_cast<nn::BlockTensor>(i);
      const bool hidden = t == nn::BlockTensor::mlp_up || t == nn::BlockTensor::mlp_act;
      acc_[i].resize(hidden ? s.hidden : s.width);
    }
  }
  void store(nn::BlockTensor tensor, nn::MatRef values) override {
    // Every tensor the block hands over is a block of whole columns (stride = rows).
    acc_[static_cast<std::size_t>(tensor)].add(values.data(), values.cols(), nullptr, 0, 1);
  }
  void reset() {
    for (auto& a : acc_) a.reset();
  }
  void merge(const StatsSink& other) {
    for (std::size_t i = 0; i < acc_.size(); ++i) acc_[i].merge(other.acc_[i]);
  }
  /// Second moment summed over the tensors (what the benchmark keeps alive).
  [[nodiscard]] double finish() const {
    double total = 0.0;
    for (const auto& a : acc_) total += a.stats().second_moment;
    return total;
  }

 private:
  std::array<engine::detail::TensorAccumulator, nn::kBlockTensorCount> acc_;
};

/// One block's weights, input and buffers (built once).
struct Block {
  nn::TransformerBlockShape shape;
  MatrixXf w_qkv, w_o, w_1, w_2, x;
  VectorXf storage;
  nn::TransformerBlockTensors tensors;

  explicit Block(const nn::TransformerBlockShape& s)
      : shape(s),
        storage(nn::TransformerBlockTensors::storage_size(s)),
        tensors(s, storage.data()) {
    rng::Engine e(1);
    const double sd = 1.0 / std::sqrt(static_cast<double>(s.width));
    w_qkv = normal(e, 3 * s.width, s.width, sd);
    w_o = normal(e, s.width, s.width, sd);
    w_1 = normal(e, s.hidden, s.width, sd);
    w_2 = normal(e, s.width, s.hidden, 1.0 / std::sqrt(static_cast<double>(s.hidden)));
    x = normal(e, s.width, s.columns(), 1.0);
  }
  [[nodiscard]] nn::TransformerBlockWeights weights() const { return {w_qkv, w_o, w_1, w_2}; }
};

/// CPU seconds consumed by the calling thread so far.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

void set_counters(benchmark::State& state, const nn::TransformerBlockShape& s) {
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(s.columns()),
                                                  benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] = benchmark::Counter(flops_per_forward(s) * 1e-9,
                                                 benchmark::Counter::kIsIterationInvariantRate);
}

enum class Mode { stats, no_stats, backward };

void run_one_thread(benchmark::State& state, bool causal, Mode mode) {
  Block b(bench_shape(causal));
  const nn::TransformerBlockShape& s = b.shape;
  VectorXf ws(nn::transformer_forward_workspace_size(s));
  StatsSink sink(s);
  nn::BlockTensorSink* sink_ptr = mode == Mode::no_stats ? nullptr : &sink;
  MatrixXf r = MatrixXf::Ones(s.width, s.columns());
  MatrixXf g_qkv(3 * s.width, s.width), g_o(s.width, s.width), g_1(s.hidden, s.width),
      g_2(s.width, s.hidden), g_x(s.width, s.columns());
  VectorXf backward_ws(mode == Mode::backward ? nn::transformer_backward_workspace_size(s) : 0);
  const auto pass = [&] {
    sink.reset();
    nn::transformer_block_forward(s, b.weights(), b.x, b.tensors, ws, sink_ptr);
    if (mode == Mode::backward) {
      nn::transformer_block_backward(s, b.weights(), b.x, b.tensors, r, {g_qkv, g_o, g_1, g_2, g_x},
                                     backward_ws);
    }
    return sink.finish();
  };
  pass();
  for (auto _ : state) benchmark::DoNotOptimize(pass());
  set_counters(state, s);
}

void BM_TransformerBlock(benchmark::State& state) {
  if (state.range(0) == 1) {
    run_one_thread(state, false, Mode::stats);
    return;
  }
  Block b(bench_shape(false));
  const nn::TransformerBlockShape& s = b.shape;
  const Index half = s.sequences / 2;
  std::array<VectorXf, 2> ws{VectorXf(nn::transformer_forward_workspace_size(s)),
                             VectorXf(nn::transformer_forward_workspace_size(s))};
  std::array<StatsSink, 2> sinks{StatsSink(s), StatsSink(s)};
  std::array<double, 2> cpu{0.0, 0.0};
  const auto part = [&](int t) {
    const double start = thread_cpu_seconds();
    auto& sink = sinks[static_cast<std::size_t>(t)];
    sink.reset();
    nn::transformer_block_forward(s, b.weights(), b.x, b.tensors, ws[static_cast<std::size_t>(t)],
                                  &sink, t * half, t == 0 ? half : s.sequences - half);
    cpu[static_cast<std::size_t>(t)] += thread_cpu_seconds() - start;
  };
  const auto pass = [&] {
    {
      std::jthread other(part, 1);
      part(0);
    }
    sinks[0].merge(sinks[1]);
    return sinks[0].finish();
  };
  pass();
  cpu = {0.0, 0.0};
  for (auto _ : state) benchmark::DoNotOptimize(pass());
  set_counters(state, s);
  double rate = 0.0;  // tokens per CPU second of each thread, summed
  for (std::size_t t = 0; t < 2; ++t) {
    const auto tokens = static_cast<double>(t == 0 ? half : s.sequences - half) *
                        static_cast<double>(s.tokens) * static_cast<double>(state.iterations());
    rate += cpu[t] > 0.0 ? tokens / cpu[t] : 0.0;
  }
  state.counters["tokens/s_cpu"] = benchmark::Counter(rate);
}

void BM_TransformerBlockNoStats(benchmark::State& state) {
  run_one_thread(state, false, Mode::no_stats);
}
void BM_TransformerBlockCausal(benchmark::State& state) {
  run_one_thread(state, true, Mode::stats);
}
void BM_TransformerBlockBackward(benchmark::State& state) {
  run_one_thread(state, false, Mode::backward);
}

BENCHMARK(BM_TransformerBlock)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TransformerBlock)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TransformerBlockNoStats)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TransformerBlockCausal)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TransformerBlockBackward)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace
