#include "initcheck/rng/distributions.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>

#include "initcheck/core/error.hpp"
#include "initcheck/rng/detail/portable_math.hpp"

// This file is compiled with -ffp-contract=off (src/initcheck/rng/CMakeLists.txt): every fused
// multiply-add below is an explicit std::fma, so scalar and vectorized code, and every platform,
// round identically. -fno-math-errno lets the loops vectorize std::sqrt (always of x ≥ 0 here).

namespace initcheck::rng {
namespace {

constexpr std::size_t kBlocks = BlockBatch::kBlocks;
constexpr std::uint64_t kOneBits = 0x3FF0000000000000ULL;       // 1.0
constexpr std::uint64_t kTwo52Bits = 0x4330000000000000ULL;     // 2⁵²
constexpr std::uint64_t kSqrtHalfBits = 0x3FE6A09E667F3BCDULL;  // √½ rounded down
constexpr std::uint64_t kSignBit = 0x8000000000000000ULL;
constexpr double kTwo52 = 0x1p52;
// fdlibm's split of ln 2: kLn2Hi has 32 trailing zero bits, so e·kLn2Hi is exact for |e| < 2²⁰.
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kHalfPi = std::numbers::pi / 2.0;
constexpr double kLog2e = std::numbers::log2e;
/// ln(DBL_MAX): above it eˣ overflows.
constexpr double kExpMax = 709.782712893384;
/// Below it eˣ < 2⁻¹⁰⁷⁵ (half the smallest subnormal) rounds to 0.
constexpr double kExpMin = -745.2;

/// Exact double of an integer n < 2³² (the 2⁵² trick: no int→double conversion instruction,
/// which AVX2 lacks for unsigned / 64-bit integers).
inline double small_to_double(std::uint64_t n) {
  return std::bit_cast<double>(kTwo52Bits | n) - kTwo52;
}

/// (K + 1)·2⁻⁵³ ∈ [2⁻⁵³, 1] for K the top 53 bits of hi:lo; exact.
inline double uniform53_open_closed(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t k = ((std::uint64_t{hi} << 21U) | (lo >> 11U)) + 1U;  // [1, 2⁵³]
  return (small_to_double(k >> 32U) * 0x1p32 + small_to_double(k & 0xFFFFFFFFU)) * 0x1p-53;
}

/// K·2⁻⁵³ ∈ [0, 1) for K the top 53 bits of hi:lo; exact.
inline double uniform53(std::uint32_t hi, std::uint32_t lo) {
  const std::uint64_t k = (std::uint64_t{hi} << 21U) | (lo >> 11U);  // [0, 2⁵³)
  return (small_to_double(k >> 32U) * 0x1p32 + small_to_double(k & 0xFFFFFFFFU)) * 0x1p-53;
}

inline double log_kernel(double x) {
  // x = 2ᵉ·m, m ∈ [√½, √2): adding 1.0 − √½ to the bits carries into the exponent field exactly
  // when the mantissa reaches √½ (unsigned arithmetic only: no 64-bit arithmetic shift in AVX2).
  const auto bits = std::bit_cast<std::uint64_t>(x);
  const std::uint64_t biased = (bits + (kOneBits - kSqrtHalfBits)) >> 52U;  // e + 1023
  const double m = std::bit_cast<double>(bits - ((biased - 1023U) << 52U));
  const double e = small_to_double(biased) - 1023.0;
  const double f = m - 1.0;  // exact (Sterbenz)
  const double s = f / (m + 1.0);
  const double s2 = s * s;
  // 2·atanh(s)/s − 2 = Σ_{k≥1} 2s²ᵏ/(2k+1), through k = 9.
  double p = 2.0 / 19.0;
  p = std::fma(p, s2, 2.0 / 17.0);
  p = std::fma(p, s2, 2.0 / 15.0);
  p = std::fma(p, s2, 2.0 / 13.0);
  p = std::fma(p, s2, 2.0 / 11.0);
  p = std::fma(p, s2, 2.0 / 9.0);
  p = std::fma(p, s2, 2.0 / 7.0);
  p = std::fma(p, s2, 2.0 / 5.0);
  p = std::fma(p, s2, 2.0 / 3.0);
  const double log_m = std::fma(s * s2, p, 2.0 * s);
  return std::fma(e, kLn2Hi, std::fma(e, kLn2Lo, log_m));
}

inline double exp_kernel(double x) {
  if (std::isnan(x)) return x;
  if (x > kExpMax) return std::numeric_limits<double>::infinity();
  if (x < kExpMin) return 0.0;
  const double k = std::floor(std::fma(x, kLog2e, 0.5));  // |k| ≤ 1076
  // k·kLn2Hi is exact (k has ≤ 11 bits, kLn2Hi ≤ 21), and so is x − k·kLn2Hi (fdlibm's split).
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  // eʳ = Σ rⁿ/n!, n ≤ 14, by Horner.
  double p = 1.0 / 87178291200.0;  // 1/14!
  p = std::fma(p, r, 1.0 / 6227020800.0);
  p = std::fma(p, r, 1.0 / 479001600.0);
  p = std::fma(p, r, 1.0 / 39916800.0);
  p = std::fma(p, r, 1.0 / 3628800.0);
  p = std::fma(p, r, 1.0 / 362880.0);
  p = std::fma(p, r, 1.0 / 40320.0);
  p = std::fma(p, r, 1.0 / 5040.0);
  p = std::fma(p, r, 1.0 / 720.0);
  p = std::fma(p, r, 1.0 / 120.0);
  p = std::fma(p, r, 1.0 / 24.0);
  p = std::fma(p, r, 1.0 / 6.0);
  p = std::fma(p, r, 0.5);
  p = std::fma(p, r, 1.0);
  p = std::fma(p, r, 1.0);
  const auto ki = static_cast<int>(k);
  auto pow2 = [](int e) {  // 2ᵉ for −1022 ≤ e ≤ 1023
    return std::bit_cast<double>(static_cast<std::uint64_t>(e + 1023) << 52U);
  };
  if (ki > 1023) return p * pow2(1023) * pow2(ki - 1023);
  if (ki < -1022) return p * pow2(ki + 1022) * pow2(-1022);  // one rounding: the last product
  return p * pow2(ki);
}

inline detail::SinCos sincos_kernel(double t) {
  const double t2 = t * t;
  double ps = -1.0 / 1307674368000.0;  // −1/15!
  ps = std::fma(ps, t2, 1.0 / 6227020800.0);
  ps = std::fma(ps, t2, -1.0 / 39916800.0);
  ps = std::fma(ps, t2, 1.0 / 362880.0);
  ps = std::fma(ps, t2, -1.0 / 5040.0);
  ps = std::fma(ps, t2, 1.0 / 120.0);
  ps = std::fma(ps, t2, -1.0 / 6.0);
  double pc = 1.0 / 20922789888000.0;  // 1/16!
  pc = std::fma(pc, t2, -1.0 / 87178291200.0);
  pc = std::fma(pc, t2, 1.0 / 479001600.0);
  pc = std::fma(pc, t2, -1.0 / 3628800.0);
  pc = std::fma(pc, t2, 1.0 / 40320.0);
  pc = std::fma(pc, t2, -1.0 / 720.0);
  pc = std::fma(pc, t2, 1.0 / 24.0);
  pc = std::fma(pc, t2, -0.5);
  return {std::fma(t * t2, ps, t), std::fma(t2, pc, 1.0)};
}

inline detail::NormalPair pair_kernel(std::uint32_t w0, std::uint32_t w1, std::uint32_t w2,
                                      std::uint32_t w3) {
  const double r = std::sqrt(-2.0 * log_kernel(uniform53_open_closed(w0, w1)));
  const std::uint32_t q = w2 >> 30U;
  const std::uint64_t f = (std::uint64_t{w2 & 0x3FFFFFFFU} << 22U) | (w3 >> 10U);  // 52 bits
  const double t = (std::bit_cast<double>(kOneBits | f) - 1.5) * kHalfPi;  // [−π/4, π/4)
  const detail::SinCos sc = sincos_kernel(t);
  // θ = q·π/2 + t: cos θ = (cos t, −sin t, −cos t, sin t)[q], sin θ = (sin t, cos t, −sin t,
  // −cos t)[q].
  const bool odd = (q & 1U) != 0U;
  const double c = odd ? sc.sin : sc.cos;
  const double s = odd ? sc.cos : sc.sin;
  const std::uint64_t cos_sign = static_cast<std::uint64_t>(((q + 1U) >> 1U) & 1U) << 63U;
  const std::uint64_t sin_sign = static_cast<std::uint64_t>(q >> 1U) << 63U;
  return {r * std::bit_cast<double>(std::bit_cast<std::uint64_t>(c) ^ cos_sign),
          r * std::bit_cast<double>(std::bit_cast<std::uint64_t>(s) ^ sin_sign)};
}

/// Standard normals of the next `count` ≤ kBlocks blocks: z[2j], z[2j + 1] = pair of block j.
void normal_batch(Engine& engine, std::size_t count, std::array<double, 2 * kBlocks>& z) {
  BlockBatch batch;
  engine.next_blocks(batch, count);
  const auto& w = batch.words;
  for (std::size_t j = 0; j < count; ++j) {
    const detail::NormalPair p = pair_kernel(w[0][j], w[1][j], w[2][j], w[3][j]);
    z[2 * j] = p.z0;
    z[2 * j + 1] = p.z1;
  }
}

template <typename T>
void fill_normal_impl(Engine& engine, std::span<T> out, double mean, double std) {
  std::array<double, 2 * kBlocks> z{};
  for (std::size_t i = 0; i < out.size();) {
    const std::size_t left = out.size() - i;
    const std::size_t pairs = std::min(kBlocks, (left + 1) / 2);
    normal_batch(engine, pairs, z);
    const std::size_t m = std::min(2 * pairs, left);
    T* dst = out.data() + i;
    for (std::size_t k = 0; k < m; ++k) dst[k] = static_cast<T>(mean + std * z[k]);
    i += m;
  }
}

/// Rejection from N(0, 1) proposals; a block of proposals at a time, accepted ones in order.
void truncated_by_normal(Engine& engine, std::span<float> out, double std, double cut) {
  std::array<double, 2 * kBlocks> z{};
  for (std::size_t i = 0; i < out.size();) {
    const std::size_t pairs = std::min(kBlocks, (out.size() - i + 1) / 2);
    normal_batch(engine, pairs, z);
    for (std::size_t k = 0; k < 2 * pairs && i < out.size(); ++k) {
      if (std::abs(z[k]) <= cut) out[i++] = static_cast<float>(std * z[k]);
    }
  }
}

/// Rejection from U(−c, c) proposals z, accepted when u ≤ exp(−z²/2) ⇔ z² ≤ −2·ln u (portable
/// log, no exp); proposal j uses block j: z from words 0–1, u from words 2–3 (53 bits each).
void truncated_by_uniform(Engine& engine, std::span<float> out, double std, double cut) {
  BlockBatch batch;
  std::array<double, kBlocks> z{};
  std::array<double, kBlocks> accept{};
  const auto& w = batch.words;
  for (std::size_t i = 0; i < out.size();) {
    const std::size_t count = std::min(kBlocks, out.size() - i);
    engine.next_blocks(batch, count);
    for (std::size_t j = 0; j < count; ++j) {
      const double x = cut * std::fma(2.0, uniform53(w[0][j], w[1][j]), -1.0);
      z[j] = x;
      accept[j] = x * x <= -2.0 * log_kernel(uniform53_open_closed(w[2][j], w[3][j])) ? 1.0 : 0.0;
    }
    for (std::size_t j = 0; j < count && i < out.size(); ++j) {
      if (accept[j] != 0.0) out[i++] = static_cast<float>(std * z[j]);
    }
  }
}

/// Marsaglia–Tsang for shape ≥ 1 (block use: distributions.hpp, gamma).
double gamma_marsaglia_tsang(Engine& engine, double shape) {
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    const std::array<std::uint32_t, 4> a = engine.next_block();
    const std::array<std::uint32_t, 4> b = engine.next_block();
    const detail::NormalPair zp = pair_kernel(a[0], a[1], a[2], a[3]);
    const std::array<double, 2> zs = {zp.z0, zp.z1};
    const std::array<double, 2> us = {uniform53_open_closed(b[0], b[1]),
                                      uniform53_open_closed(b[2], b[3])};
    for (std::size_t i = 0; i < 2; ++i) {
      const double z = zs[i];
      const double t = std::fma(c, z, 1.0);
      if (!(t > 0.0)) continue;
      const double v = t * t * t;
      // v below the normal range: ln v < −708 makes the log test fail for every u (d ≥ ⅔,
      // z² ≤ 73.5), and the squeeze already failed (z ≤ −1/c ⇒ 0.0331z⁴ ≥ 1 for d ≥ ⅔).
      if (!(v >= std::numeric_limits<double>::min())) continue;
      const double u = us[i];
      const double z2 = z * z;
      if (u < 1.0 - 0.0331 * (z2 * z2)) return d * v;
      if (log_kernel(u) < 0.5 * z2 + d * (1.0 - v + log_kernel(v))) return d * v;
    }
  }
}

}  // namespace

namespace detail {

double log_portable(double x) {
  return log_kernel(x);
}

double exp_portable(double x) {
  return exp_kernel(x);
}

SinCos sincos_reduced(double t) {
  return sincos_kernel(t);
}

NormalPair normal_pair(const std::array<std::uint32_t, 4>& block) {
  return pair_kernel(block[0], block[1], block[2], block[3]);
}

}  // namespace detail

double uniform01(Engine& engine) {
  return static_cast<double>(engine.next_u64() >> 11U) * 0x1.0p-53;
}

double standard_normal(Engine& engine) {
  return detail::normal_pair(engine.next_block()).z0;
}

void fill_normal(Engine& engine, std::span<float> out, double mean, double std) {
  fill_normal_impl(engine, out, mean, std);
}

void fill_normal(Engine& engine, std::span<double> out, double mean, double std) {
  fill_normal_impl(engine, out, mean, std);
}

void fill_uniform(Engine& engine, std::span<float> out, double low, double high) {
  BlockBatch batch;
  std::array<double, 4 * kBlocks> u{};
  const double width = high - low;
  const auto& w = batch.words;
  for (std::size_t i = 0; i < out.size();) {
    const std::size_t left = out.size() - i;
    const std::size_t count = std::min(kBlocks, (left + 3) / 4);
    engine.next_blocks(batch, count);
    for (std::size_t j = 0; j < count; ++j) {
      for (std::size_t v = 0; v < 4; ++v) u[4 * j + v] = small_to_double(w[v][j]) * 0x1p-32;
    }
    const std::size_t m = std::min(4 * count, left);
    float* dst = out.data() + i;
    for (std::size_t k = 0; k < m; ++k) dst[k] = static_cast<float>(low + width * u[k]);
    i += m;
  }
}

double gamma(Engine& engine, double shape) {
  if (!(shape >= 0.0) || !std::isfinite(shape)) {
    throw InputError("gamma shape must be a finite number >= 0");
  }
  if (shape == 0.0) return 0.0;
  if (shape >= 1.0) return gamma_marsaglia_tsang(engine, shape);
  // Gamma(a) = Gamma(a + 1)·U^{1/a} (Marsaglia & Tsang 2000, §7), U^{1/a} = exp(ln U / a).
  const double x = gamma_marsaglia_tsang(engine, shape + 1.0);
  const std::array<std::uint32_t, 4> w = engine.next_block();
  return x * exp_kernel(log_kernel(uniform53_open_closed(w[0], w[1])) / shape);
}

double chi_squared(Engine& engine, double dof) {
  if (!(dof >= 0.0) || !std::isfinite(dof)) {
    throw InputError("chi-squared degrees of freedom must be a finite number >= 0");
  }
  return 2.0 * gamma(engine, 0.5 * dof);
}

std::uint64_t binomial_half(Engine& engine, std::uint64_t n) {
  // Up to 4 blocks one at a time (same blocks as next_blocks; spares the 2 KiB batch).
  if (n <= 512) {
    std::uint64_t ones = 0;
    for (std::uint64_t left = n; left > 0;) {
      const std::array<std::uint32_t, 4> w = engine.next_block();
      for (std::size_t v = 0; v < 4 && left > 0; ++v) {
        const auto take = static_cast<std::uint32_t>(std::min<std::uint64_t>(left, 32));
        const std::uint32_t mask = take == 32U ? 0xFFFFFFFFU : ((1U << take) - 1U);
        ones += static_cast<std::uint64_t>(std::popcount(w[v] & mask));
        left -= take;
      }
    }
    return ones;
  }
  BlockBatch batch;
  const auto& w = batch.words;
  std::uint64_t ones = 0;
  for (std::uint64_t left = n; left > 0;) {
    const auto count =
        static_cast<std::size_t>(std::min<std::uint64_t>(kBlocks, (left + 127) / 128));
    engine.next_blocks(batch, count);
    const std::uint64_t bits = std::min<std::uint64_t>(left, std::uint64_t{128} * count);
    const std::size_t full = static_cast<std::size_t>(bits / 128);
    for (std::size_t j = 0; j < full; ++j) {
      ones += static_cast<std::uint64_t>(std::popcount(w[0][j]) + std::popcount(w[1][j]) +
                                         std::popcount(w[2][j]) + std::popcount(w[3][j]));
    }
    // The last, partial block: whole words, then the low bits of one more word.
    auto rest = static_cast<std::uint32_t>(bits % 128);
    for (std::size_t v = 0; rest > 0; ++v) {
      const std::uint32_t take = std::min<std::uint32_t>(rest, 32U);
      const std::uint32_t mask = take == 32U ? 0xFFFFFFFFU : ((1U << take) - 1U);
      ones += static_cast<std::uint64_t>(std::popcount(w[v][full] & mask));
      rest -= take;
    }
    left -= bits;
  }
  return ones;
}

void fill_truncated_normal(Engine& engine, std::span<float> out, double std, double cut) {
  if (!(cut > 0.0) || !std::isfinite(cut)) {
    throw InputError("truncated normal cut must be a positive finite number");
  }
  // Normal proposals accept with probability 2Φ(c) − 1 (≥ 0.38 for c ≥ 0.5) at half a block
  // each; for narrower cuts a uniform proposal on [−c, c] (one block each) accepted with
  // probability exp(−x²/2) ≥ exp(−1/8) is cheaper.
  if (cut >= 0.5) {
    truncated_by_normal(engine, out, std, cut);
  } else {
    truncated_by_uniform(engine, out, std, cut);
  }
}

}  // namespace initcheck::rng
