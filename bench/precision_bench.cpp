// Throughput of rounding one layer's output (1024 features × 256 batch floats, 1 MiB) to a storage
// format with event counting. Rounding is branch-free, so the data's distribution does not matter;
// N(0, σ²) with σ = 1e-4 puts a share of the values in fp16's subnormal range. Rounding in place
// is idempotent, so each iteration does the same work on the same (cache-resident) buffer.
#include <benchmark/benchmark.h>

#include <span>
#include <vector>

#include "initcheck/precision/detail/kernel_isa.hpp"
#include "initcheck/precision/rounding.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

using initcheck::precision::Format;
namespace detail = initcheck::precision::detail;

constexpr std::size_t kValues = std::size_t{1024} * 256;

std::vector<float> layer_output() {
  std::vector<float> data(kValues);
  initcheck::rng::Engine engine(1);
  initcheck::rng::fill_normal(engine, std::span<float>(data), 0.0, 1e-4);
  return data;
}

void set_counters(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kValues) *
                          static_cast<std::int64_t>(sizeof(float)));
}

// The public API (best kernel for this CPU).
void BM_RoundSpan(benchmark::State& state, Format format) {
  std::vector<float> data = layer_output();
  for (auto _ : state) {
    const initcheck::precision::PrecisionEvents events =
        initcheck::precision::round_to_format(format, std::span<float>(data));
    benchmark::DoNotOptimize(events);
    benchmark::ClobberMemory();
  }
  set_counters(state);
}
BENCHMARK_CAPTURE(BM_RoundSpan, fp16, Format::fp16);
BENCHMARK_CAPTURE(BM_RoundSpan, bf16, Format::bf16);
BENCHMARK_CAPTURE(BM_RoundSpan, fp32_count, Format::fp32);

// A specific compiled kernel (generic = SSE2 baseline).
void BM_RoundKernel(benchmark::State& state, detail::KernelIsa isa, Format format) {
  if (!detail::kernel_isa_available(isa)) {
    state.SkipWithError("kernel not available on this CPU");
    return;
  }
  std::vector<float> data = layer_output();
  for (auto _ : state) {
    const initcheck::precision::PrecisionEvents events =
        detail::round_to_format_with(isa, format, data);
    benchmark::DoNotOptimize(events);
    benchmark::ClobberMemory();
  }
  set_counters(state);
}
BENCHMARK_CAPTURE(BM_RoundKernel, sse2_fp16, detail::KernelIsa::generic, Format::fp16);
BENCHMARK_CAPTURE(BM_RoundKernel, sse2_bf16, detail::KernelIsa::generic, Format::bf16);
BENCHMARK_CAPTURE(BM_RoundKernel, sse2_fp32_count, detail::KernelIsa::generic, Format::fp32);
BENCHMARK_CAPTURE(BM_RoundKernel, avx2_fp16, detail::KernelIsa::avx2, Format::fp16);
BENCHMARK_CAPTURE(BM_RoundKernel, avx2_bf16, detail::KernelIsa::avx2, Format::bf16);
BENCHMARK_CAPTURE(BM_RoundKernel, avx512_fp16, detail::KernelIsa::avx512, Format::fp16);
BENCHMARK_CAPTURE(BM_RoundKernel, avx512_bf16, detail::KernelIsa::avx512, Format::bf16);
BENCHMARK_CAPTURE(BM_RoundKernel, avx512_f16c_fp16, detail::KernelIsa::avx512_f16c, Format::fp16);

// The scalar function called per element (no vectorization, no counting).
void BM_RoundScalarLoop(benchmark::State& state) {
  std::vector<float> data = layer_output();
  for (auto _ : state) {
    for (float& x : data) x = initcheck::precision::round_to_format(Format::fp16, x);
    benchmark::ClobberMemory();
  }
  set_counters(state);
}
BENCHMARK(BM_RoundScalarLoop);

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
// For comparison only: the bare F16C round trip (vcvtps2ph + vcvtph2ps), without counting.
[[gnu::target("avx2,f16c")]] void f16c_round_trip(std::vector<float>& data) {
  for (std::size_t i = 0; i + 8 <= data.size(); i += 8) {
    const __m128i half =
        _mm256_cvtps_ph(_mm256_loadu_ps(data.data() + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_ps(data.data() + i, _mm256_cvtph_ps(half));
  }
}

void BM_F16cRoundTrip(benchmark::State& state) {
  __builtin_cpu_init();
  if (!detail::cpu_has_f16c() || !__builtin_cpu_supports("avx2")) {
    state.SkipWithError("no F16C");
    return;
  }
  std::vector<float> data = layer_output();
  for (auto _ : state) {
    f16c_round_trip(data);
    benchmark::ClobberMemory();
  }
  set_counters(state);
}
BENCHMARK(BM_F16cRoundTrip);
#endif

}  // namespace
