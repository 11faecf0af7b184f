// Throughput of the nn layer kernels: activation forward (GB/s, read + write) and conv2d
// (GFLOP/s, 2·C_out·C_in·k²·B·H'·W' per forward), plus nn::gemm vs Eigen's own product.

#include <benchmark/benchmark.h>

#include <span>

#include "initcheck/nn/gemm.hpp"
#include "initcheck/nn/layers.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"

namespace {

using namespace initcheck;

Eigen::MatrixXf normal(rng::Engine& engine, Eigen::Index rows, Eigen::Index cols) {
  Eigen::MatrixXf m(rows, cols);
  rng::fill_normal(engine, std::span<float>(m.data(), static_cast<std::size_t>(m.size())));
  return m;
}

void activation_forward_bench(benchmark::State& state, const char* name) {
  rng::Engine engine(1);
  const nn::Activation act = nn::Activation::parse(name);
  const Eigen::MatrixXf z = normal(engine, 1024, 256);
  Eigen::MatrixXf h(1024, 256);
  for (auto _ : state) {
    nn::activation_forward(act, z, h);
    benchmark::DoNotOptimize(h.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * z.size() * 2 *
                          static_cast<std::int64_t>(sizeof(float)));
}
BENCHMARK_CAPTURE(activation_forward_bench, relu, "relu");
BENCHMARK_CAPTURE(activation_forward_bench, tanh, "tanh");
BENCHMARK_CAPTURE(activation_forward_bench, gelu, "gelu");
BENCHMARK_CAPTURE(activation_forward_bench, silu, "silu");
BENCHMARK_CAPTURE(activation_forward_bench, mish, "mish");

void activation_backward_bench(benchmark::State& state, const char* name) {
  rng::Engine engine(2);
  const nn::Activation act = nn::Activation::parse(name);
  const Eigen::MatrixXf z = normal(engine, 1024, 256);
  const Eigen::MatrixXf g = normal(engine, 1024, 256);
  Eigen::MatrixXf out(1024, 256);
  for (auto _ : state) {
    nn::activation_backward(act, z, g, out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * z.size() * 3 *
                          static_cast<std::int64_t>(sizeof(float)));
}
BENCHMARK_CAPTURE(activation_backward_bench, relu, "relu");
BENCHMARK_CAPTURE(activation_backward_bench, gelu, "gelu");

nn::Conv2dShape bench_shape() {
  nn::Conv2dShape s;
  s.in_channels = 64;
  s.out_channels = 64;
  s.kernel = 3;
  s.stride = 1;
  s.padding = 1;
  s.height = 16;
  s.width = 16;
  s.batch = 32;
  return s;
}

void conv2d_forward_bench(benchmark::State& state) {
  rng::Engine engine(3);
  const nn::Conv2dShape s = bench_shape();
  const Eigen::MatrixXf w = normal(engine, 64, Eigen::Index{64} * 9);
  const Eigen::MatrixXf x = normal(engine, 64, s.batch * 256);
  Eigen::MatrixXf z(64, s.batch * 256);
  Eigen::VectorXf ws(s.workspace_size());
  for (auto _ : state) {
    nn::conv2d_forward(s, w, Eigen::VectorXf(), x, z, ws);
    benchmark::DoNotOptimize(z.data());
  }
  const double flops = 2.0 * 64 * 64 * 9 * static_cast<double>(s.batch) * 256;
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * 1e-9 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(conv2d_forward_bench)->Unit(benchmark::kMillisecond);

void conv2d_backward_bench(benchmark::State& state) {
  rng::Engine engine(4);
  const nn::Conv2dShape s = bench_shape();
  const Eigen::MatrixXf w = normal(engine, 64, Eigen::Index{64} * 9);
  const Eigen::MatrixXf x = normal(engine, 64, s.batch * 256);
  const Eigen::MatrixXf gz = normal(engine, 64, s.batch * 256);
  Eigen::MatrixXf gx(64, s.batch * 256);
  Eigen::MatrixXf gw(64, 64 * 9);
  Eigen::VectorXf gb(64);
  Eigen::VectorXf ws(s.workspace_size());
  for (auto _ : state) {
    nn::conv2d_backward(s, w, x, gz, gx, gw, gb, ws);
    benchmark::DoNotOptimize(gx.data());
  }
  const double flops = 2 * 2.0 * 64 * 64 * 9 * static_cast<double>(s.batch) * 256;
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * 1e-9 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(conv2d_backward_bench)->Unit(benchmark::kMillisecond);

void gemm_bench(benchmark::State& state, bool use_eigen) {
  rng::Engine engine(5);
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const Eigen::MatrixXf a = normal(engine, n, n);
  const Eigen::MatrixXf b = normal(engine, n, n);
  Eigen::MatrixXf c(n, n);
  for (auto _ : state) {
    if (use_eigen) {
      c.noalias() = a * b;
    } else {
      nn::gemm(1.0f, a, false, b, false, 0.0f, c);
    }
    benchmark::DoNotOptimize(c.data());
  }
  const double flops = 2.0 * static_cast<double>(n * n * n);
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops * 1e-9 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(gemm_bench, eigen_product, true)->Arg(256)->Arg(1024);
BENCHMARK_CAPTURE(gemm_bench, nn_gemm, false)->Arg(256)->Arg(1024);

}  // namespace
