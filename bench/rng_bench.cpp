// Throughput of the bulk samplers (1 << 20 values per call) against the scalar algorithm they
// replaced, measured in the same run. The baseline below is a verbatim copy of the old rng code:
// Philox-4x32-10 one block at a time behind next_u64, uniforms with 53 bits, and Box–Muller with
// std::log / std::cos / std::sin in double, one pair per call.
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <span>
#include <vector>

#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"

namespace {

namespace rng = initcheck::rng;

constexpr std::size_t kValues = std::size_t{1} << 20U;

/// The pre-bulk engine: refills a 4-word block from scalar Philox when exhausted.
class OldEngine {
 public:
  explicit OldEngine(std::uint64_t seed) : seed_(seed) {}

  std::uint32_t next_u32() {
    if (used_ == 4) refill();
    return block_[static_cast<std::size_t>(used_++)];
  }
  std::uint64_t next_u64() {
    const std::uint64_t hi = next_u32();
    return (hi << 32U) | next_u32();
  }

 private:
  void refill() {
    const std::array<std::uint32_t, 4> counter{
        static_cast<std::uint32_t>(position_), static_cast<std::uint32_t>(position_ >> 32U),
        static_cast<std::uint32_t>(stream_), static_cast<std::uint32_t>(stream_ >> 32U)};
    const std::array<std::uint32_t, 2> key{static_cast<std::uint32_t>(seed_),
                                           static_cast<std::uint32_t>(seed_ >> 32U)};
    block_ = rng::philox4x32_10(counter, key);
    ++position_;
    used_ = 0;
  }

  std::uint64_t seed_;
  std::uint64_t stream_ = 0;
  std::uint64_t position_ = 0;
  std::array<std::uint32_t, 4> block_{};
  int used_ = 4;
};

double old_uniform01(OldEngine& engine) {
  return static_cast<double>(engine.next_u64() >> 11U) * 0x1.0p-53;
}

void old_normal_pair(OldEngine& engine, double& z0, double& z1) {
  const double radius = std::sqrt(-2.0 * std::log(1.0 - old_uniform01(engine)));
  const double angle = 2.0 * std::numbers::pi * old_uniform01(engine);
  z0 = radius * std::cos(angle);
  z1 = radius * std::sin(angle);
}

template <typename T>
void old_fill_normal(OldEngine& engine, std::span<T> out, double mean, double std) {
  std::size_t i = 0;
  double z0 = 0.0;
  double z1 = 0.0;
  for (; i + 1 < out.size(); i += 2) {
    old_normal_pair(engine, z0, z1);
    out[i] = static_cast<T>(mean + std * z0);
    out[i + 1] = static_cast<T>(mean + std * z1);
  }
  if (i < out.size()) {
    old_normal_pair(engine, z0, z1);
    out[i] = static_cast<T>(mean + std * z0);
  }
}

void old_fill_uniform(OldEngine& engine, std::span<float> out, double low, double high) {
  for (float& x : out) x = static_cast<float>(low + (high - low) * old_uniform01(engine));
}

/// The old normal-proposal path (cut ≥ 0.5).
void old_fill_truncated_normal(OldEngine& engine, std::span<float> out, double std, double cut) {
  for (float& x : out) {
    double z0 = 0.0;
    double z1 = 0.0;
    do {
      old_normal_pair(engine, z0, z1);
    } while (std::abs(z0) > cut);
    x = static_cast<float>(std * z0);
  }
}

void set_items(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kValues));
}

template <typename T>
void BM_FillNormalOld(benchmark::State& state) {
  std::vector<T> data(kValues);
  OldEngine engine(1);
  for (auto _ : state) {
    old_fill_normal(engine, std::span<T>(data), 0.0, 1.0);
    benchmark::DoNotOptimize(data.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}

template <typename T>
void BM_FillNormalNew(benchmark::State& state) {
  std::vector<T> data(kValues);
  rng::Engine engine(1);
  for (auto _ : state) {
    rng::fill_normal(engine, std::span<T>(data), 0.0, 1.0);
    benchmark::DoNotOptimize(data.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}

void BM_FillUniformOld(benchmark::State& state) {
  std::vector<float> data(kValues);
  OldEngine engine(1);
  for (auto _ : state) {
    old_fill_uniform(engine, std::span<float>(data), -1.0, 1.0);
    benchmark::DoNotOptimize(data.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}

void BM_FillUniformNew(benchmark::State& state) {
  std::vector<float> data(kValues);
  rng::Engine engine(1);
  for (auto _ : state) {
    rng::fill_uniform(engine, std::span<float>(data), -1.0, 1.0);
    benchmark::DoNotOptimize(data.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}

// cut = 2 (JAX/Keras truncated_normal); cut = 0.25 exercises the new uniform-proposal path.
void BM_FillTruncatedOld(benchmark::State& state, double cut) {
  std::vector<float> data(kValues);
  OldEngine engine(1);
  for (auto _ : state) {
    old_fill_truncated_normal(engine, std::span<float>(data), 1.0, cut);
    benchmark::DoNotOptimize(data.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}

void BM_FillTruncatedNew(benchmark::State& state, double cut) {
  std::vector<float> data(kValues);
  rng::Engine engine(1);
  for (auto _ : state) {
    rng::fill_truncated_normal(engine, std::span<float>(data), 1.0, cut);
    benchmark::DoNotOptimize(data.data());
    benchmark::ClobberMemory();
  }
  set_items(state);
}

BENCHMARK(BM_FillNormalOld<float>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FillNormalNew<float>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FillNormalOld<double>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FillNormalNew<double>)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FillUniformOld)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FillUniformNew)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FillTruncatedOld, cut2, 2.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FillTruncatedNew, cut2, 2.0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_FillTruncatedNew, cut0_25, 0.25)->Unit(benchmark::kMillisecond);

}  // namespace
