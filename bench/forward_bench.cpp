// Forward pass with full per-layer statistics (engine::Network) vs a bare GEMM chain of the
// same shapes: depth 50, batch 256, ReLU. GFLOP/s counts 2·n_in·n_out·B per layer.
//
//   BM_Forward/<width>/<threads>          Network::forward, fp32, stats + per-sample norms
//   BM_ForwardFp16/<width>/<threads>      the same with fp16 storage (rounding + counters)
//   BM_ForwardTanh/<width>/<threads>      the same with tanh instead of ReLU (the activation
//                                         kernel runs as its own pass, at the build's width)
//   BM_BareGemmChain/<width>/<threads>    z = W·h only (Eigen noalias product), h ping-pong,
//                                         batch split into <threads> column halves
//   BM_BareNnGemmChain/<width>/<threads>  the same with nn::gemm (Eigen's kernel, own buffers)
//   BM_BareEngineGemmChain/<width>/1      the same with nn::gemm_column_groups on the engine's
//                                         two fixed batch slices (the product the forward runs)
//   BM_ForwardReplicates/<width>          2 networks on 2 threads (what run_replicates does per
//                                         replicate once its network is built): aggregate rate
//
// Rates: one-thread cases report GFLOP/s per CPU second of the benchmark thread (robust when
// other processes share the cores; equal to the wall-clock rate on an idle machine); two-thread
// cases report wall-clock GFLOP/s (UseRealTime), which needs an idle machine to mean anything.
// Compare forward with bare GEMM only within one run. Typical use:
//   forward_bench --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "initcheck/engine/network.hpp"
#include "initcheck/nn/gemm.hpp"
#include "initcheck/rng/distributions.hpp"

namespace {

using namespace initcheck;

// Keep glibc from returning freed/packing memory to the OS between products (the page-fault
// trap of docs/performance.md).
const bool kMalloptDone = [] {
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  return true;
}();

constexpr int kDepth = 50;
constexpr std::int64_t kBatch = 256;

/// Kaiming uniform without the init module (uniform is the fastest fill; the timing only
/// needs activations that stay finite and O(1), i.e. Var(W) = 2/fan_in).
class HeUniform final : public init::InitScheme {
 public:
  [[nodiscard]] std::string name() const override { return "he_uniform_bench"; }
  [[nodiscard]] std::string formula() const override { return "Var = 2/fan_in"; }
  [[nodiscard]] init::WeightLaw weight_law(const FanInfo& fan) const override {
    const double variance = 2.0 / static_cast<double>(fan.fan_in());
    return {0.0, variance, 1.8, std::sqrt(3.0 * variance)};
  }
  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> w,
                    rng::Engine& engine) const override {
    Eigen::MatrixXf tmp(w.rows(), w.cols());
    const double bound = std::sqrt(6.0 / static_cast<double>(fan.fan_in()));
    rng::fill_uniform(engine, std::span<float>(tmp.data(), static_cast<std::size_t>(tmp.size())),
                      -bound, bound);
    w = tmp;
  }
};

model::NetworkConfig config(std::int64_t width, precision::Format format,
                            const std::string& activation = "relu") {
  model::NetworkConfig c;
  c.widths = model::constant_widths(width, kDepth);
  c.activation = nn::Activation::parse(activation);
  c.init = std::make_shared<HeUniform>();
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

/// CPU seconds consumed by the calling thread so far.
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

/// Two-thread cases: "GFLOP/s_cpu" = Σ_threads (that thread's flops / its CPU seconds), the
/// aggregate rate the two threads would reach with a core each (a load-robust estimate of the
/// wall-clock "GFLOP/s" of an idle machine; it ignores waiting and shared-cache effects).
void set_cpu_counter(benchmark::State& state, double flops_per_thread, const double cpu[2]) {
  const auto n = static_cast<double>(state.iterations());
  double rate = 0.0;
  for (int t = 0; t < 2; ++t) rate += cpu[t] > 0.0 ? n * flops_per_thread / cpu[t] : 0.0;
  state.counters["GFLOP/s_cpu"] = benchmark::Counter(rate * 1e-9);
}

void run_forward(benchmark::State& state, precision::Format format,
                 const std::string& activation = "relu") {
  const std::int64_t width = state.range(0);
  engine::TraceOptions options;
  options.backward = false;
  options.threads = static_cast<int>(state.range(1));
  const model::NetworkConfig c = config(width, format, activation);
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
void BM_ForwardTanh(benchmark::State& state) {
  run_forward(state, precision::Format::fp32, "tanh");
}

enum class Product { eigen, nn_gemm, engine_gemm };

void bare_chain(benchmark::State& state, Product product) {
  const Eigen::Index width = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  std::vector<Eigen::MatrixXf> w(kDepth);
  for (auto& m : w) {
    m = Eigen::MatrixXf::Random(width, width) * (1.0F / std::sqrt(static_cast<float>(width)));
  }
  Eigen::MatrixXf input = Eigen::MatrixXf::Random(width, kBatch);
  std::vector<Eigen::MatrixXf> a(static_cast<std::size_t>(threads));
  std::vector<Eigen::MatrixXf> b(static_cast<std::size_t>(threads));
  const Eigen::Index cols = kBatch / threads;
  for (int t = 0; t < threads; ++t) {
    a[static_cast<std::size_t>(t)] = input.middleCols(t * cols, cols);
    b[static_cast<std::size_t>(t)].resize(width, cols);
  }
  const Eigen::Index starts[] = {0, cols / 2, cols};  // the engine's two batch slices
  auto chain = [&](int t) {
    Eigen::MatrixXf* h = &a[static_cast<std::size_t>(t)];
    Eigen::MatrixXf* z = &b[static_cast<std::size_t>(t)];
    for (int l = 0; l < kDepth; ++l) {
      const Eigen::MatrixXf& wl = w[static_cast<std::size_t>(l)];
      switch (product) {
        case Product::eigen: z->noalias() = wl * *h; break;
        case Product::nn_gemm: nn::gemm(1.0F, wl, false, *h, false, 0.0F, *z); break;
        case Product::engine_gemm: nn::gemm_column_groups(wl, *h, *z, starts, 0, 2); break;
      }
      std::swap(h, z);
    }
  };
  chain(0);
  double cpu[2] = {0.0, 0.0};
  auto timed_chain = [&](int t) {
    const double start = thread_cpu_seconds();
    chain(t);
    cpu[t] += thread_cpu_seconds() - start;
  };
  for (auto _ : state) {
    if (threads == 1) {
      chain(0);
    } else {
      std::jthread other(timed_chain, 1);
      timed_chain(0);
    }
    benchmark::DoNotOptimize(a[0].data());
  }
  set_counters(state, flops(width));
  if (threads == 2) set_cpu_counter(state, flops(width) / 2.0, cpu);
}

void BM_BareGemmChain(benchmark::State& state) {
  bare_chain(state, Product::eigen);
}
void BM_BareNnGemmChain(benchmark::State& state) {
  bare_chain(state, Product::nn_gemm);
}
void BM_BareEngineGemmChain(benchmark::State& state) {
  bare_chain(state, Product::engine_gemm);
}

/// Forwards per thread and iteration: about 0.1 s of work at ≈100 GFLOP/s per thread.
int forwards_per_iteration(std::int64_t width) {
  return static_cast<int>(std::max<std::int64_t>(1, std::int64_t{16} * 64 * 64 / (width * width)));
}

void BM_ForwardReplicates(benchmark::State& state) {
  const std::int64_t width = state.range(0);
  engine::TraceOptions options;
  options.backward = false;
  const model::NetworkConfig c = config(width, precision::Format::fp32);
  engine::Network n0(c, options, rng::Engine(1));
  engine::Network n1(c, options, rng::Engine(2));
  rng::Engine e(3);
  const Eigen::MatrixXf x = engine::make_input(c, e);
  engine::Trace t0;
  engine::Trace t1;
  const int k = forwards_per_iteration(width);
  n0.forward(x, t0);
  std::jthread([&] { n1.forward(x, t1); }).join();  // warm the second thread's GEMM arena
  double cpu[2] = {0.0, 0.0};
  auto run = [&](int t, engine::Network& net, engine::Trace& trace) {
    const double start = thread_cpu_seconds();
    for (int i = 0; i < k; ++i) net.forward(x, trace);
    cpu[t] += thread_cpu_seconds() - start;
  };
  for (auto _ : state) {
    std::jthread other([&] { run(1, n1, t1); });
    run(0, n0, t0);
  }
  set_counters(state, 2.0 * k * flops(width));  // 2 replicates × k forwards per iteration
  set_cpu_counter(state, k * flops(width), cpu);
}

constexpr int kWidths[] = {64, 256, 1024, 2048};

/// One-thread cases on CPU time, two-thread cases on wall-clock time (see the header).
void one_thread(benchmark::internal::Benchmark* b) {
  for (int width : kWidths) b->Args({width, 1});
}
void two_threads(benchmark::internal::Benchmark* b) {
  for (int width : kWidths) b->Args({width, 2});
}

BENCHMARK(BM_Forward)->Apply(one_thread)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BareGemmChain)->Apply(one_thread)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BareEngineGemmChain)->Apply(one_thread)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BareNnGemmChain)->Args({64, 1})->Args({256, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardFp16)->Args({1024, 1})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardTanh)
    ->Args({64, 1})
    ->Args({256, 1})
    ->Args({1024, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Forward)->Apply(two_threads)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BareGemmChain)->Apply(two_threads)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ForwardReplicates)
    ->Arg(64)
    ->Arg(256)
    ->Arg(1024)
    ->Arg(2048)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
