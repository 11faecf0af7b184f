// Rounding against independent references:
//  * a double-precision nearest-value search over all 2¹⁶ bit patterns of the format (shares no
//    code or technique with the integer implementation), on random and on all tie inputs;
//  * the CPU's own conversion instructions (F16C vcvtps2ph, AVX512_BF16 vcvtneps2bf16) when
//    available: sampled in ctest, exhaustive over all 2³² floats in a DISABLED test run by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "initcheck/precision/detail/kernel_isa.hpp"
#include "initcheck/precision/rounding.hpp"
#include "initcheck/rng/engine.hpp"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#include <immintrin.h>
#if defined(__clang__)
#include <cpuid.h>
#endif
#define INITCHECK_TEST_X86 1
#else
#define INITCHECK_TEST_X86 0
#endif

namespace initcheck::precision {
namespace {

std::uint32_t bits(float x) {
  return std::bit_cast<std::uint32_t>(x);
}
float from_bits(std::uint32_t u) {
  return std::bit_cast<float>(u);
}

// The non-negative values of a 16-bit format in increasing order, decoded with ldexp from
// (exponent, mantissa) fields, plus one past the end standing for +inf: 2^(emax+1), whose bit
// pattern (exponent all ones, mantissa 0) is even, exactly as IEEE 754 §4.3.1 rounds overflow.
struct Table {
  std::vector<double> values;  // index = bit pattern
  int mantissa_bits = 0;
};

Table make_table(Format f) {
  const int mant = f == Format::fp16 ? 10 : 7;
  const int bias = f == Format::fp16 ? 15 : 127;
  const std::uint32_t inf_pattern = f == Format::fp16 ? 0x7c00u : 0x7f80u;
  Table t;
  t.mantissa_bits = mant;
  for (std::uint32_t p = 0; p <= inf_pattern; ++p) {
    const int e = static_cast<int>(p >> mant);
    const double m = static_cast<double>(p & ((1u << mant) - 1u));
    t.values.push_back(e == 0 ? std::ldexp(m, 1 - bias - mant)
                              : std::ldexp(m + std::ldexp(1.0, mant), e - bias - mant));
  }
  return t;
}

// Nearest table value to x, ties to the even bit pattern; NaN → NaN. The midpoint of two
// consecutive values and 2|x| are exact in double, so the comparisons are exact.
float reference_round(const Table& t, float x) {
  if (std::isnan(x)) return x;
  const double ax = std::fabs(static_cast<double>(x));
  const std::vector<double>& v = t.values;
  double r = 0;
  if (ax >= v.back()) {
    r = std::numeric_limits<double>::infinity();
  } else {
    const auto hi = static_cast<std::size_t>(std::lower_bound(v.begin(), v.end(), ax) - v.begin());
    if (v[hi] == ax) {
      r = ax;
    } else {
      const std::size_t lo = hi - 1;
      const double mid = v[lo] + v[hi];
      const std::size_t pick = 2 * ax < mid ? lo : 2 * ax > mid ? hi : (lo % 2 == 0 ? lo : hi);
      r = pick == v.size() - 1 ? std::numeric_limits<double>::infinity() : v[pick];
    }
  }
  return static_cast<float>(std::copysign(r, static_cast<double>(x)));
}

void expect_matches_reference(Format f, const std::vector<float>& inputs) {
  const Table t = make_table(f);
  std::vector<float> data = inputs;
  round_to_format(f, std::span<float>(data));
  std::int64_t mismatches = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const float want = reference_round(t, inputs[i]);
    const float scalar = round_to_format(f, inputs[i]);
    const bool ok = std::isnan(want) ? std::isnan(scalar) && std::isnan(data[i])
                                     : bits(scalar) == bits(want) && bits(data[i]) == bits(want);
    if (!ok && ++mismatches <= 5) {
      ADD_FAILURE() << format_name(f) << " input " << std::hexfloat << inputs[i] << ": want "
                    << want << ", scalar " << scalar << ", span " << data[i];
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// 2·10⁶ random floats per format: half uniform bit patterns (all exponents, NaN, inf), half with
// the exponent drawn across the format's interesting range (below its subnormals to overflow).
TEST(RoundingReference, RandomFloats) {
  for (const Format f : {Format::fp16, Format::bf16}) {
    rng::Engine engine(f == Format::fp16 ? 16 : 17);
    const std::uint32_t lo = f == Format::fp16 ? 95 : 0;
    const std::uint32_t span = f == Format::fp16 ? 56 : 256;
    std::vector<float> inputs(2'000'000);
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const std::uint32_t u = engine.next_u32();
      const std::uint32_t e = lo + engine.next_u32() % span;
      inputs[i] = from_bits(i % 2 == 0 ? u : (u & 0x807fffffu) | (e << 23));
    }
    expect_matches_reference(f, inputs);
  }
}

// Every midpoint between consecutive values of the format (including max ↔ inf and 0 ↔ min
// subnormal), and its float neighbours, with both signs: all the tie cases there are.
TEST(RoundingReference, AllTiesAndNeighbours) {
  for (const Format f : {Format::fp16, Format::bf16}) {
    const Table t = make_table(f);
    std::vector<float> inputs;
    for (std::size_t i = 0; i + 1 < t.values.size(); ++i) {
      const auto mid = static_cast<float>((t.values[i] + t.values[i + 1]) / 2);  // exact in float
      ASSERT_EQ(static_cast<double>(mid), (t.values[i] + t.values[i + 1]) / 2);
      for (const float x : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, INFINITY),
                            static_cast<float>(t.values[i])}) {
        inputs.push_back(x);
        inputs.push_back(-x);
      }
    }
    expect_matches_reference(f, inputs);
  }
}

#if INITCHECK_TEST_X86
// fp16 round trip through F16C (imm8 = round to nearest even, independent of MXCSR).
[[gnu::target("f16c,avx2")]] void hardware_fp16(const float* in, float* out, std::size_t n) {
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i half = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT);
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(half));
  }
  for (; i < n; ++i) {
    const __m128i half = _mm_cvtps_ph(_mm_set_ss(in[i]), _MM_FROUND_TO_NEAREST_INT);
    out[i] = _mm_cvtss_f32(_mm_cvtph_ps(half));
  }
}

bool has_f16c() {
  __builtin_cpu_init();
#if defined(__clang__)
  // clang 14's __builtin_cpu_supports does not know "f16c": read CPUID leaf 1, ECX bit 29.
  unsigned eax = 0;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0;
#else
  const bool f16c = static_cast<bool>(__builtin_cpu_supports("f16c"));
#endif
  return f16c && static_cast<bool>(__builtin_cpu_supports("avx2"));
}

// The fastest integer kernel (the avx512_f16c kernel would compare the hardware with itself).
detail::KernelIsa integer_kernel() {
  using detail::KernelIsa;
  for (const KernelIsa isa : {KernelIsa::avx512, KernelIsa::avx2}) {
    if (detail::kernel_isa_available(isa)) return isa;
  }
  return KernelIsa::generic;
}

// Compares the integer fp16 rounding with F16C on the floats with bit patterns start + k·stride
// (k < count, wrapping mod 2³²), in blocks; returns the number of mismatches (NaN compared by
// bits).
std::int64_t compare_with_f16c(std::uint32_t start, std::uint32_t stride, std::uint64_t count) {
  constexpr std::size_t kBlock = 1 << 16;
  std::vector<float> in(kBlock);
  std::vector<float> ours(kBlock);
  std::vector<float> hw(kBlock);
  std::int64_t mismatches = 0;
  std::uint32_t u = start;
  for (std::uint64_t done = 0; done < count;) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, count - done));
    for (std::size_t i = 0; i < n; ++i, u += stride) in[i] = from_bits(u);
    ours = in;
    detail::round_to_format_with(integer_kernel(), Format::fp16, std::span<float>(ours.data(), n));
    hardware_fp16(in.data(), hw.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      if (bits(ours[i]) != bits(hw[i]) && ++mismatches <= 5) {
        ADD_FAILURE() << std::hex << "input " << bits(in[i]) << ": ours " << bits(ours[i])
                      << ", F16C " << bits(hw[i]);
      }
    }
    done += n;
  }
  return mismatches;
}

// Sampled: every positive float whose exponent is within fp16's reach (2⁻²⁶ … 2¹⁷: 44 binades,
// 3.7·10⁸ values, exhaustive), plus 2²⁴ floats spread over all 2³² patterns (both signs, NaN).
TEST(RoundingReference, Fp16MatchesF16cHardware) {
  if (!has_f16c()) GTEST_SKIP() << "CPU has no F16C";
  EXPECT_EQ(compare_with_f16c(100u << 23, 1, std::uint64_t{44} << 23), 0);
  EXPECT_EQ(compare_with_f16c(0x9e3779b9u, 251, std::uint64_t{1} << 24), 0);
}

// Exhaustive over all 2³² floats (run by hand: --gtest_also_run_disabled_tests).
TEST(RoundingReference, DISABLED_Fp16MatchesF16cExhaustive) {
  if (!has_f16c()) GTEST_SKIP() << "CPU has no F16C";
  EXPECT_EQ(compare_with_f16c(0, 1, std::uint64_t{1} << 32), 0);
}

// bf16 via AVX512_BF16 (vcvtneps2bf16 is RNE but treats fp32 subnormal inputs as zero, so those
// are skipped); exhaustive over all 2³² floats, run by hand.
[[gnu::target("avx512f,avx512bf16")]] void hardware_bf16(const float* in, float* out,
                                                         std::size_t n) {
  for (std::size_t i = 0; i + 16 <= n; i += 16) {
    const __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(in + i));
    std::uint16_t half[16];
    static_assert(sizeof(half) == sizeof(h));
    std::memcpy(half, &h, sizeof(half));
    for (std::size_t j = 0; j < 16; ++j) out[i + j] = from_bits(std::uint32_t{half[j]} << 16);
  }
}

TEST(RoundingReference, DISABLED_Bf16MatchesAvx512Bf16Exhaustive) {
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx512bf16")) GTEST_SKIP() << "CPU has no AVX512_BF16";
  constexpr std::size_t kBlock = 1 << 16;
  std::vector<float> in(kBlock);
  std::vector<float> ours(kBlock);
  std::vector<float> hw(kBlock);
  std::int64_t mismatches = 0;
  std::int64_t skipped = 0;
  for (std::uint64_t base = 0; base < (std::uint64_t{1} << 32); base += kBlock) {
    for (std::size_t i = 0; i < kBlock; ++i) {
      in[i] = from_bits(static_cast<std::uint32_t>(base + i));
    }
    ours = in;
    detail::round_to_format_with(integer_kernel(), Format::bf16, std::span<float>(ours));
    hardware_bf16(in.data(), hw.data(), kBlock);
    for (std::size_t i = 0; i < kBlock; ++i) {
      if ((bits(in[i]) & 0x7f800000u) == 0 && (bits(in[i]) & 0x7fffffu) != 0) {
        ++skipped;
        continue;
      }
      if (bits(ours[i]) != bits(hw[i]) && ++mismatches <= 5) {
        ADD_FAILURE() << std::hex << "input " << bits(in[i]) << ": ours " << bits(ours[i])
                      << ", hw " << bits(hw[i]);
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(skipped, 2 * ((std::int64_t{1} << 23) - 1));
}
#endif

}  // namespace
}  // namespace initcheck::precision
