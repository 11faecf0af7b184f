#include "initcheck/precision/rounding.hpp"

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "initcheck/precision/detail/kernel_isa.hpp"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define INITCHECK_PRECISION_X86_KERNELS 1
#include <immintrin.h>
#if defined(__clang__)
#include <cpuid.h>
#endif
#else
#define INITCHECK_PRECISION_X86_KERNELS 0
#endif

namespace initcheck::precision {
namespace {

// Bit patterns of binary32 values (sign-magnitude: the magnitude is u & kAbs).
constexpr std::uint32_t kSign = 0x8000'0000u;
constexpr std::uint32_t kAbs = 0x7fff'ffffu;
constexpr std::uint32_t kInf = 0x7f80'0000u;
constexpr std::uint32_t kQuiet = 0x0040'0000u;          // quiet-NaN bit (mantissa MSB)
constexpr std::uint32_t kFp32MinNormal = 0x0080'0000u;  // 2⁻¹²⁶, also bf16's min normal
constexpr std::uint32_t kFp16MinNormal = 0x3880'0000u;  // 2⁻¹⁴
constexpr std::uint32_t kFp16Max = 0x477f'e000u;        // 65504

// All-ones if `c`, else 0: branch-free selects keep the loops vectorizable.
[[gnu::always_inline]] inline std::uint32_t mask_if(bool c) {
  return 0u - static_cast<std::uint32_t>(c);
}
[[gnu::always_inline]] inline std::uint32_t select(std::uint32_t m, std::uint32_t a,
                                                   std::uint32_t b) {
  return (a & m) | (b & ~m);
}

// bf16 = the top 16 bits of binary32: RNE on the low 16 bits. The carry propagates into the
// exponent (subnormal → normal, max → inf at ≥ 0x7f7f8000 by ties-to-even) and never into the
// sign. NaN: set the quiet bit before truncating so a payload in the low bits cannot become inf.
[[gnu::always_inline]] inline std::uint32_t round_bits_bf16(std::uint32_t u) {
  const std::uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff'0000u;
  const std::uint32_t nan = (u | kQuiet) & 0xffff'0000u;
  return select(mask_if((u & kAbs) > kInf), nan, rounded);
}

// binary16 widened back to binary32.
//  normal range (|x| ≥ 2⁻¹⁴): RNE on the low 13 mantissa bits; a result above 65504 is inf.
//  subnormal range (|x| < 2⁻¹⁴): the quantum is 2⁻²⁴. With significand m (24 bits incl. the
//    hidden bit) and effective exponent es = max(e, 1), |x| = m·2^(es−150), so the quantum is
//    p = 2^s units of m with s = 126 − es ≥ 14 (capped at 25: everything below 2⁻²⁵ → 0).
//    RNE: r = (m + p/2 − 1 + [m & p ≠ 0]) & −p. p is built as a float power of two and
//    converted to int (SSE2 has no per-lane variable shift). The value r·2^(es−150) is formed
//    as float(r)·2^(es−126)·2⁻²⁴: every factor and intermediate product is a normal float and
//    every product is exact, so this does not depend on the rounding mode or FTZ/DAZ.
//  NaN: quiet, payload truncated to 10 bits (what vcvtps2ph does).
[[gnu::always_inline]] inline std::uint32_t round_bits_fp16(std::uint32_t u) {
  const std::uint32_t a = u & kAbs;
  std::uint32_t normal = (a + 0xfffu + ((a >> 13) & 1u)) & ~0x1fffu;
  normal = select(mask_if(normal > kFp16Max), kInf, normal);

  const std::uint32_t e = a >> 23;
  const std::uint32_t m = (a & 0x7f'ffffu) | (mask_if(e != 0) & 0x80'0000u);
  const std::uint32_t es =
      e < 1u ? 1u : (e > 112u ? 112u : e);  // clamp keeps unused lanes in range
  const std::uint32_t s = 126u - es < 25u ? 126u - es : 25u;
  const auto p =
      static_cast<std::uint32_t>(static_cast<std::int32_t>(std::bit_cast<float>((s + 127u) << 23)));
  const std::uint32_t r = (m + (p >> 1) - 1u + static_cast<std::uint32_t>((m & p) != 0)) & (0u - p);
  const float scale = std::bit_cast<float>((es + 1u) << 23);  // 2^(es−126)
  const std::uint32_t sub = std::bit_cast<std::uint32_t>(
      static_cast<float>(static_cast<std::int32_t>(r)) * scale * 0x1p-24f);

  const std::uint32_t nan = (a | kQuiet) & ~0x1fffu;
  const std::uint32_t magnitude =
      select(mask_if(a > kInf), nan, select(mask_if(a >= kFp16MinNormal), normal, sub));
  return (u & kSign) | magnitude;
}

template <Format F>
[[gnu::always_inline]] inline std::uint32_t round_bits(std::uint32_t u) {
  if constexpr (F == Format::fp16) {
    return round_bits_fp16(u);
  } else if constexpr (F == Format::bf16) {
    return round_bits_bf16(u);
  } else {
    return u;
  }
}

// 32-bit counters per chunk keep the reductions in vector registers.
constexpr std::size_t kChunk = std::size_t{1} << 24;

struct ChunkCounts {
  std::uint32_t flushed = 0;
  std::uint32_t subnormal = 0;
  std::uint32_t overflow = 0;
  std::uint32_t infinite = 0;
  std::uint32_t nan = 0;
};

void add_chunk(PrecisionEvents& events, const ChunkCounts& c) {
  events.flushed_to_zero += c.flushed;
  events.subnormal += c.subnormal;
  events.overflow += c.overflow;
  events.infinite += c.infinite;
  events.nan += c.nan;
}

// Classifies one value: `u` before rounding, `r` after (bit patterns). Counters are passed as
// separate references so that, once inlined, they are plain loop-carried locals.
template <Format F>
[[gnu::always_inline]] inline void tally(std::uint32_t u, std::uint32_t r, std::uint32_t& flushed,
                                         std::uint32_t& subnormal, std::uint32_t& overflow,
                                         std::uint32_t& infinite, std::uint32_t& nan) {
  constexpr auto kMinNormal =
      static_cast<std::int32_t>(F == Format::fp16 ? kFp16MinNormal : kFp32MinNormal);
  constexpr auto kInfI = static_cast<std::int32_t>(kInf);
  const auto in = static_cast<std::int32_t>(u & kAbs);
  const auto out = static_cast<std::int32_t>(r & kAbs);
  nan += static_cast<std::uint32_t>(in > kInfI);
  infinite += static_cast<std::uint32_t>(out == kInfI);
  overflow += static_cast<std::uint32_t>((in < kInfI) & (out == kInfI));
  flushed += static_cast<std::uint32_t>((in != 0) & (out == 0));
  subnormal += static_cast<std::uint32_t>((out != 0) & (out < kMinNormal));
}

// Rounds data[0, n) in place (integer kernel) and counts.
template <Format F>
[[gnu::always_inline]] inline PrecisionEvents round_span(float* data, std::size_t n) {
  PrecisionEvents events;
  events.total = static_cast<std::int64_t>(n);
  for (std::size_t begin = 0; begin < n; begin += kChunk) {
    const std::size_t end = n - begin < kChunk ? n : begin + kChunk;
    std::uint32_t flushed = 0;
    std::uint32_t subnormal = 0;
    std::uint32_t overflow = 0;
    std::uint32_t infinite = 0;
    std::uint32_t nan = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const auto u = std::bit_cast<std::uint32_t>(data[i]);
      const std::uint32_t r = round_bits<F>(u);
      if constexpr (F != Format::fp32) data[i] = std::bit_cast<float>(r);
      tally<F>(u, r, flushed, subnormal, overflow, infinite, nan);
    }
    add_chunk(events, {flushed, subnormal, overflow, infinite, nan});
  }
  return events;
}

// Counts the events of an already rounded block: before[i] → after[i], n ≤ kChunk.
template <Format F>
[[gnu::always_inline]] inline ChunkCounts count_block(const float* before, const float* after,
                                                      std::size_t n) {
  std::uint32_t flushed = 0;
  std::uint32_t subnormal = 0;
  std::uint32_t overflow = 0;
  std::uint32_t infinite = 0;
  std::uint32_t nan = 0;
  for (std::size_t i = 0; i < n; ++i) {
    tally<F>(std::bit_cast<std::uint32_t>(before[i]), std::bit_cast<std::uint32_t>(after[i]),
             flushed, subnormal, overflow, infinite, nan);
  }
  return {flushed, subnormal, overflow, infinite, nan};
}

[[gnu::always_inline]] inline PrecisionEvents round_any(Format format, float* data, std::size_t n) {
  switch (format) {
    case Format::fp16: return round_span<Format::fp16>(data, n);
    case Format::bf16: return round_span<Format::bf16>(data, n);
    case Format::fp32: break;
  }
  return round_span<Format::fp32>(data, n);
}

using Kernel = PrecisionEvents (*)(Format, float*, std::size_t);

PrecisionEvents kernel_generic(Format format, float* data, std::size_t n) {
  return round_any(format, data, n);
}

#if INITCHECK_PRECISION_X86_KERNELS
[[gnu::target("avx2")]] PrecisionEvents kernel_avx2(Format format, float* data, std::size_t n) {
  return round_any(format, data, n);
}
[[gnu::target("avx512f,avx512bw,avx512dq,avx512vl")]] PrecisionEvents kernel_avx512(Format format,
                                                                                    float* data,
                                                                                    std::size_t n) {
  return round_any(format, data, n);
}

// fp16 through the F16C conversion instructions (vcvtps2ph with RNE from imm8, then vcvtph2ps);
// proven bit-identical to round_bits_fp16 on all 2³² floats (tests/precision, exhaustive test),
// with default MXCSR; setting FTZ/DAZ did not change its results on the (Zen 5) dev CPU. Blocks of
// 1024 values: the originals are kept in a stack buffer for counting. bf16 and fp32 use the integer
// kernels.
[[gnu::target("avx512f,avx512bw,avx512dq,avx512vl,f16c")]] PrecisionEvents kernel_f16c(
    Format format, float* data, std::size_t n) {
  if (format != Format::fp16) return round_any(format, data, n);
  constexpr std::size_t kBlock = 1024;
  alignas(64) float before[kBlock];
  PrecisionEvents events;
  events.total = static_cast<std::int64_t>(n);
  for (std::size_t begin = 0; begin < n; begin += kBlock) {
    const std::size_t len = n - begin < kBlock ? n - begin : kBlock;
    float* block = data + begin;
    std::memcpy(before, block, len * sizeof(float));
    std::size_t i = 0;
    for (; i + 16 <= len; i += 16) {
      // maskz forms: the unmasked intrinsics trip GCC 12's -Wmaybe-uninitialized in its headers.
      const __m256i half =
          _mm512_maskz_cvtps_ph(0xffff, _mm512_loadu_ps(block + i), _MM_FROUND_TO_NEAREST_INT);
      _mm512_storeu_ps(block + i, _mm512_maskz_cvtph_ps(0xffff, half));
    }
    for (; i < len; ++i) {
      block[i] = std::bit_cast<float>(round_bits_fp16(std::bit_cast<std::uint32_t>(block[i])));
    }
    add_chunk(events, count_block<Format::fp16>(before, block, len));
  }
  return events;
}
#endif

Kernel kernel_for(detail::KernelIsa isa) {
  switch (isa) {
#if INITCHECK_PRECISION_X86_KERNELS
    case detail::KernelIsa::avx2: return kernel_avx2;
    case detail::KernelIsa::avx512: return kernel_avx512;
    case detail::KernelIsa::avx512_f16c: return kernel_f16c;
#endif
    default: return kernel_generic;
  }
}

Kernel best_kernel() {
  static const Kernel kernel = [] {
    if (detail::kernel_isa_available(detail::KernelIsa::avx512_f16c)) {
      return kernel_for(detail::KernelIsa::avx512_f16c);
    }
    if (detail::kernel_isa_available(detail::KernelIsa::avx512)) {
      return kernel_for(detail::KernelIsa::avx512);
    }
    if (detail::kernel_isa_available(detail::KernelIsa::avx2)) {
      return kernel_for(detail::KernelIsa::avx2);
    }
    return kernel_for(detail::KernelIsa::generic);
  }();
  return kernel;
}

}  // namespace

namespace detail {

// GCC's __builtin_cpu_supports knows "f16c"; clang 14's does not, so clang (and clang-tidy) reads
// CPUID directly.
bool cpu_has_f16c() {
#if !INITCHECK_PRECISION_X86_KERNELS
  return false;
#elif defined(__clang__)
  unsigned eax = 0;
  unsigned ebx = 0;
  unsigned ecx = 0;
  unsigned edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0;
#else
  __builtin_cpu_init();
  return static_cast<bool>(__builtin_cpu_supports("f16c"));
#endif
}

bool kernel_isa_available(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::generic: return true;
#if INITCHECK_PRECISION_X86_KERNELS
    case KernelIsa::avx2:
      __builtin_cpu_init();
      return static_cast<bool>(__builtin_cpu_supports("avx2"));
    case KernelIsa::avx512:
      __builtin_cpu_init();
      return static_cast<bool>(__builtin_cpu_supports("avx512f")) &&
             static_cast<bool>(__builtin_cpu_supports("avx512bw")) &&
             static_cast<bool>(__builtin_cpu_supports("avx512dq")) &&
             static_cast<bool>(__builtin_cpu_supports("avx512vl"));
    case KernelIsa::avx512_f16c: return kernel_isa_available(KernelIsa::avx512) && cpu_has_f16c();
#endif
    default: return false;
  }
}

PrecisionEvents round_to_format_with(KernelIsa isa, Format format, std::span<float> data) {
  return kernel_for(isa)(format, data.data(), data.size());
}

}  // namespace detail

float round_to_format(Format format, float x) {
  const auto u = std::bit_cast<std::uint32_t>(x);
  switch (format) {
    case Format::fp16: return std::bit_cast<float>(round_bits<Format::fp16>(u));
    case Format::bf16: return std::bit_cast<float>(round_bits<Format::bf16>(u));
    case Format::fp32: break;
  }
  return x;
}

PrecisionEvents round_to_format(Format format, std::span<float> data) {
  return best_kernel()(format, data.data(), data.size());
}

PrecisionEvents round_to_format(Format format, Eigen::Ref<Eigen::MatrixXf> data) {
  if (data.outerStride() == data.rows()) {
    return round_to_format(format,
                           std::span<float>(data.data(), static_cast<std::size_t>(data.size())));
  }
  PrecisionEvents events;
  for (Eigen::Index j = 0; j < data.cols(); ++j) {
    events += round_to_format(
        format, std::span<float>(data.col(j).data(), static_cast<std::size_t>(data.rows())));
  }
  return events;
}

}  // namespace initcheck::precision
