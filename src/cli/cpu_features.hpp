#pragma once
/// The instruction-set extensions the CLI's code was compiled to use (cpu_requirements.cpp) and the
/// start-up check that the running CPU has them (cpu_guard.cpp): without it, a portable
/// (x86-64-v3) binary on a CPU without AVX2 dies with SIGILL before printing anything.

#include <cstdint>

namespace initcheck::cli {

/// One bit per extension; the names are __builtin_cpu_supports's.
enum CpuFeature : std::uint32_t {
  kSse3 = 1U << 0U,
  kSsse3 = 1U << 1U,
  kSse41 = 1U << 2U,
  kSse42 = 1U << 3U,
  kPopcnt = 1U << 4U,
  kAvx = 1U << 5U,
  kAvx2 = 1U << 6U,
  kFma = 1U << 7U,
  kBmi = 1U << 8U,
  kBmi2 = 1U << 9U,
  kF16c = 1U << 10U,
  kLzcnt = 1U << 11U,
  kMovbe = 1U << 12U,
  kAvx512f = 1U << 13U,
  kAvx512bw = 1U << 14U,
  kAvx512dq = 1U << 15U,
  kAvx512vl = 1U << 16U,
  kAvx512cd = 1U << 17U,
};

/// The extensions the build's -march enabled (a constant; no code runs to compute it).
extern const std::uint32_t kRequiredCpuFeatures;

}  // namespace initcheck::cli
