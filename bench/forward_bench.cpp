// Forward pass with full per-layer statistics (engine::Network) vs a bare GEMM chain of the
// same shapes: depth 50, batch 256, ReLU. GFLOP/s counts 2·n_in·n_out·B per layer.
//
//   BM_Forward/<width>/<threads>          Network::forward, fp32, stats + per-sample norms
//   BM_ForwardFp16/<width>/<threads>      the same with fp16 storage (rounding + counters)
//   BM_BareGemmChain/<width>/<threads>    z = W·h only (Eigen noalias product), h ping-pong,
//                                         batch split into <threads> column halves
//   BM_BareNnGemmChain/<width>/<threads>  the same with nn::gemm (the kernel the engine uses)
//   BM_ForwardReplicates/<width>          2 networks on 2 threads (replicate throughput)
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cmath>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "initcheck/engine/network.hpp"
#include "initcheck/nn/gemm.hpp"
#include "initcheck/rng/distributions.hpp"

namespace {

using namespace initcheck;

// Keep glibc from returning freed/packing memory to the OS between products (DESIGN.md §5).
const bool kMalloptDone = [] {
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  return true;
}();

constexpr int kDepth = 50;
constexpr std::int64_t kBatch = 256;

/// Kaiming normal without the init module (fast fill: only shape-dependent scale matters).
class HeNormal final : public init::InitScheme {
 public:
  [[nodiscard]] std::string name() const override { return "he_normal_bench"; }
  [[nodiscard]] std::string formula() const override { return "Var = 2/fan_in"; }
  [[nodiscard]] init::WeightLaw weight_law(const FanInfo& fan) const override {
    return {0.0, 2.0 / static_cast<double>(fan.fan_in()), 3.0};
  }
  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> w,
                    rng::Engine& engine) const override {
    Eigen::MatrixXf tmp(w.rows(), w.cols());
    rng::fill_normal(engine, std::span<float>(tmp.data(), static_cast<std::size_t>(tmp.size())),
                     0.0, std::sqrt(2.0 / static_cast<double>(fan.fan_in())));
    w = tmp;
  }
};

engine::NetworkConfig config(std::int64_t width, precision::Format format) {
  engine::NetworkConfig c;
  c.widths = engine::constant_widths(width, kDepth);
  c.activation = nn::Activation::parse("relu");
  c.init = std::make_shared<HeNormal>();
  c.batch = kBatch;
  c.precision = format;
  return c;
}

double flops(std::int64_t width) {
  return 2.0 * static_cast<double>(width) * static_cast<double>(width) * kBatch * kDepth;
}

void set_counters(benchmark::State& state, double per_iteration) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void run_forward(benchmark::State& state, precision::Format format) {
  const std::int64_t width = state.range(0);
  engine::TraceOptions options;
  options.backward = false;
  options.threads = static_cast<int>(state.range(1));
  const engine::NetworkConfig c = config(width, format);
  engine::Network net(c, options, rng::Engine(1));
  rng::Engine e(2);
  const Eigen::MatrixXf x = engine::make_input(c, e);
  engine::Trace trace;
  net.forward(x, trace);
  for (auto _ : state) {
    net.forward(x, trace);
    benchmark::DoNotOptimize(trace.output.second_moment);
  }
  set_counters(state, flops(width));
}

void BM_Forward(benchmark::State& state) {
  run_forward(state, precision::Format::fp32);
}
void BM_ForwardFp16(benchmark::State& state) {
  run_forward(state, precision::Format::fp16);
}

void bare_chain(benchmark::State& state, bool nn_gemm) {
  const Eigen::Index width = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  std::vector<Eigen::MatrixXf> w(kDepth);
  for (auto& m : w)
    m = Eigen::MatrixXf::Random(width, width) * (1.0F / std::sqrt(static_cast<float>(width)));
  Eigen::MatrixXf input = Eigen::MatrixXf::Random(width, kBatch);
  std::vector<Eigen::MatrixXf> a(static_cast<std::size_t>(threads)),
      b(static_cast<std::size_t>(threads));
  const Eigen::Index cols = kBatch / threads;
  for (int t = 0; t < threads; ++t) {
    a[static_cast<std::size_t>(t)] = input.middleCols(t * cols, cols);
    b[static_cast<std::size_t>(t)].resize(width, cols);
  }
  auto chain = [&](int t) {
    Eigen::MatrixXf* h = &a[static_cast<std::size_t>(t)];
    Eigen::MatrixXf* z = &b[static_cast<std::size_t>(t)];
    for (int l = 0; l < kDepth; ++l) {
      if (nn_gemm) {
        nn::gemm(1.0F, w[static_cast<std::size_t>(l)], false, *h, false, 0.0F, *z);
      } else {
        z->noalias() = w[static_cast<std::size_t>(l)] * *h;
      }
      std::swap(h, z);
    }
  };
  chain(0);
  for (auto _ : state) {
    if (threads == 1) {
      chain(0);
    } else {
      std::jthread other(chain, 1);
      chain(0);
    }
    benchmark::DoNotOptimize(a[0].data());
  }
  set_counters(state, flops(width));
}

void BM_BareGemmChain(benchmark::State& state) {
  bare_chain(state, false);
}
void BM_BareNnGemmChain(benchmark::State& state) {
  bare_chain(state, true);
}

void BM_ForwardReplicates(benchmark::State& state) {
  const std::int64_t width = state.range(0);
  engine::TraceOptions options;
  options.backward = false;
  const engine::NetworkConfig c = config(width, precision::Format::fp32);
  engine::Network n0(c, options, rng::Engine(1));
  engine::Network n1(c, options, rng::Engine(2));
  rng::Engine e(3);
  const Eigen::MatrixXf x = engine::make_input(c, e);
  engine::Trace t0, t1;
  n0.forward(x, t0);
  std::jthread([&] { n1.forward(x, t1); }).join();  // warm the second thread's GEMM arena
  for (auto _ : state) {
    std::jthread other([&] {
      for (int i = 0; i < 8; ++i) n1.forward(x, t1);
    });
    for (int i = 0; i < 8; ++i) n0.forward(x, t0);
  }
  set_counters(state, 16.0 * flops(width));  // 16 forwards (2 replicates × 8) per iteration
}

void widths(benchmark::internal::Benchmark* b) {
  for (int width : {64, 256, 1024, 2048}) {
    for (int threads : {1, 2}) b->Args({width, threads});
  }
}

BENCHMARK(BM_Forward)->Apply(widths)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BareGemmChain)->Apply(widths)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BareNnGemmChain)->Apply(widths)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ForwardFp16)
    ->Args({1024, 1})
    ->Args({1024, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_ForwardReplicates)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
