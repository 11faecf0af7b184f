#include "initcheck/rng/detail/portable_math.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numbers>
#include <sstream>
#include <string>

#include "initcheck/rng/engine.hpp"

// Accuracy of the samplers' own log / sincos against the C library evaluated in long double
// (x87 80-bit: a reference ~2000× more precise than double, so the measured error is ours).
// Deterministic tests: the grids and the fixed-seed random points are the same on every run.

namespace initcheck::rng::detail {
namespace {

std::string sci(double x) {
  std::ostringstream os;
  os << std::scientific << x;
  return os.str();
}

// Bounds asserted below. Truncation of the series is ≤ 9e-16 (log) and ≤ 6e-17 (sin/cos)
// relative (rng/detail/portable_math.hpp); rounding adds a few ulp (≈ 2.2e-16 each). Measured
// maxima are 2.9e-16 (log) and 1.5e-16 (sin, cos); 1e-15 leaves room for the rounding and still
// lies three orders of magnitude below the 1e-12 the samplers need for an exact normal law in
// statistics.
constexpr double kLogBound = 1e-15;
constexpr double kSinCosBound = 1e-15;

double rel_error(double approx, long double exact) {
  if (exact == 0.0L) return approx == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return static_cast<double>(std::fabs((static_cast<long double>(approx) - exact) / exact));
}

/// Max relative error of `log_fn` over: a dense geometric grid on [2⁻⁵³, 1] (the samplers'
/// domain), the points next to 1 where ln x → 0, the sampler's own u lattice at random, and
/// random normal doubles over the whole exponent range.
double max_log_error(const std::function<double(double)>& log_fn) {
  double worst = 0.0;
  auto check = [&](double x) {
    worst = std::max(worst, rel_error(log_fn(x), std::log(static_cast<long double>(x))));
  };
  constexpr int kGrid = 1 << 20;
  for (int i = 0; i <= kGrid; ++i) check(std::exp2(-53.0 * i / kGrid));
  for (int k = 1; k <= 20000; ++k) {
    check(1.0 - k * 0x1p-53);
    check(1.0 + k * 0x1p-52);
  }
  Engine engine(123);
  for (int i = 0; i < (1 << 18); ++i) {
    const std::uint64_t bits = engine.next_u64();
    check(static_cast<double>((bits >> 11U) + 1U) * 0x1p-53);  // the u of Box–Muller
    // Any positive normal double: random mantissa, exponent field in [1, 2046].
    const std::uint64_t exponent = 1U + (engine.next_u32() % 2046U);
    check(std::bit_cast<double>((exponent << 52U) | (bits & 0x000FFFFFFFFFFFFFULL)));
  }
  return worst;
}

TEST(PortableMath, LogRelativeErrorBound) {
  const double err = max_log_error(log_portable);
  RecordProperty("max_rel_error_log", sci(err));
  EXPECT_LE(err, kLogBound);
  EXPECT_EQ(log_portable(1.0), 0.0);
}

// Power: the same check rejects a log whose series stops after s³ (error ≈ s⁴/5 ≤ 1.7e-4).
TEST(PortableMath, PlantedTruncatedLogIsRejected) {
  const auto truncated = [](double x) {
    int e = 0;
    double m = std::frexp(x, &e);  // m ∈ [½, 1)
    if (m < std::numbers::sqrt2 / 2) {
      m *= 2.0;
      --e;
    }
    const double s = (m - 1.0) / (m + 1.0);
    return e * std::numbers::ln2 + 2.0 * s + 2.0 * s * s * s / 3.0;
  };
  EXPECT_GT(max_log_error(truncated), 1e-5);
}

/// Max relative errors of sin and cos over a dense grid on [−π/4, π/4] plus random points.
std::array<double, 2> max_sincos_error(const std::function<SinCos(double)>& fn) {
  std::array<double, 2> worst{0.0, 0.0};
  auto check = [&](double t) {
    const SinCos sc = fn(t);
    const auto lt = static_cast<long double>(t);
    worst[0] = std::max(worst[0], rel_error(sc.sin, std::sin(lt)));
    worst[1] = std::max(worst[1], rel_error(sc.cos, std::cos(lt)));
  };
  constexpr int kGrid = 1 << 20;
  const double quarter_pi = std::numbers::pi / 4;
  for (int i = -kGrid; i <= kGrid; ++i) check(quarter_pi * i / kGrid);
  for (int i = 1; i <= 1000; ++i) check(std::ldexp(1.0, -i));  // tiny angles: sin t ≈ t
  Engine engine(321);
  for (int i = 0; i < (1 << 18); ++i) {
    check(quarter_pi * (2.0 * static_cast<double>(engine.next_u64() >> 11U) * 0x1p-53 - 1.0));
  }
  return worst;
}

TEST(PortableMath, SinCosRelativeErrorBound) {
  const auto err = max_sincos_error(sincos_reduced);
  RecordProperty("max_rel_error_sin", sci(err[0]));
  RecordProperty("max_rel_error_cos", sci(err[1]));
  EXPECT_LE(err[0], kSinCosBound);
  EXPECT_LE(err[1], kSinCosBound);
}

TEST(PortableMath, PlantedShortSineSeriesIsRejected) {
  // Power: sin t ≈ t − t³/6 + t⁵/120 errs by ≈ t⁶/5040 ≤ 1.1e-5 relative at π/4.
  const auto short_series = [](double t) {
    const double t2 = t * t;
    return SinCos{t * (1.0 - t2 / 6.0 + t2 * t2 / 120.0), std::cos(t)};
  };
  EXPECT_GT(max_sincos_error(short_series)[0], 1e-6);
}

/// The Box–Muller pair of a block recomputed in long double from the same bits.
std::array<long double, 2> reference_pair(const std::array<std::uint32_t, 4>& w) {
  const std::uint64_t k = ((std::uint64_t{w[0]} << 21U) | (w[1] >> 11U)) + 1U;
  const long double u = static_cast<long double>(k) * 0x1p-53L;
  const long double r = std::sqrt(-2.0L * std::log(u));
  const std::uint32_t q = w[2] >> 30U;
  const std::uint64_t f = (std::uint64_t{w[2] & 0x3FFFFFFFU} << 22U) | (w[3] >> 10U);
  // The sampler rounds t = (f·2⁻⁵² − ½)·π/2 to double; the reference uses that same t, so
  // the comparison isolates the log / sincos / sqrt error.
  const double t = (static_cast<double>(f) * 0x1p-52 - 0.5) * (std::numbers::pi / 2.0);
  const long double theta = static_cast<long double>(q) * std::numbers::pi_v<long double> / 2 + t;
  return {r * std::cos(theta), r * std::sin(theta)};
}

TEST(PortableMath, NormalPairMatchesLongDoubleBoxMuller) {
  // |z − z_ref| ≤ 2e-15·r: ln u relative ≤ 1e-15 halves in √, sin/cos ≤ 1e-15, plus 3 roundings
  // (measured 3.2e-16).
  // (An error relative to r, not z: z = r·cos θ crosses 0 and the reference θ = qπ/2 + t is
  // itself rounded in long double.)
  Engine engine(5);
  double worst = 0.0;
  for (int i = 0; i < (1 << 18); ++i) {
    const std::array<std::uint32_t, 4> w = engine.next_block();
    const NormalPair p = normal_pair(w);
    const auto ref = reference_pair(w);
    const long double r = std::hypot(ref[0], ref[1]);
    if (r == 0.0L) continue;
    worst = std::max(worst, static_cast<double>(std::fabs(p.z0 - ref[0]) / r));
    worst = std::max(worst, static_cast<double>(std::fabs(p.z1 - ref[1]) / r));
  }
  RecordProperty("max_error_over_radius", sci(worst));
  EXPECT_LE(worst, 2e-15);
}

TEST(PortableMath, ExpMatchesLongDouble) {
  // Normal results: a dense grid on [−708, 709.7] and random points of [−1, 1] (where the
  // series alone matters). Truncation ≤ 1.2e-19 (rng/detail/portable_math.hpp); the range reduction
  // and Horner steps add a few roundings; 1e-15 bounds them as for log (measured below).
  double worst = 0.0;
  auto check = [&](double x) {
    worst = std::max(worst, rel_error(exp_portable(x), std::exp(static_cast<long double>(x))));
  };
  constexpr int kGrid = 1 << 20;
  for (int i = 0; i <= kGrid; ++i) check(-708.0 + 1417.7 * i / kGrid);
  Engine engine(7);
  for (int i = 0; i < (1 << 18); ++i) {
    check(std::ldexp(static_cast<double>(engine.next_u64() >> 11U), -52) - 1.0);
  }
  RecordProperty("max_exp_relative_error", sci(worst));
  EXPECT_LE(worst, 1e-15);
  EXPECT_EQ(exp_portable(0.0), 1.0);
  // Subnormal results (x < −708.4): one rounding at the subnormal spacing 2⁻¹⁰⁷⁴ on top of the
  // 1e-15 relative error.
  for (double x = -745.0; x < -708.0; x += 0.37) {
    const long double exact = std::exp(static_cast<long double>(x));
    EXPECT_LE(std::fabs(static_cast<long double>(exp_portable(x)) - exact),
              1e-15L * exact + static_cast<long double>(std::numeric_limits<double>::denorm_min()))
        << x;
  }
  EXPECT_EQ(exp_portable(-746.0), 0.0);
  EXPECT_EQ(exp_portable(710.0), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(exp_portable(std::nan(""))));
  EXPECT_GT(exp_portable(709.78), 1.7e308);  // close to DBL_MAX, finite
  EXPECT_TRUE(std::isfinite(exp_portable(709.78)));
}

TEST(PortableMath, TailReachesFull53BitRadius) {
  // w0 = w1 = 0 → u = 2⁻⁵³, the smallest: r = √(106·ln2) ≈ 8.5711. w2 = 2²⁹, w3 = 0 → q = 0 and
  // f = ½ → t = 0, so z0 = r exactly up to the log/sqrt error (1e-15 relative) and z1 = 0.
  const NormalPair p = normal_pair({0U, 0U, 0x20000000U, 0U});
  const double r_max = std::sqrt(106.0 * std::numbers::ln2);
  EXPECT_NEAR(p.z0, r_max, 1e-15 * r_max);
  EXPECT_GT(p.z0, 8.57);
  EXPECT_EQ(p.z1, 0.0);
  // Next-to-largest u = 1 − 2⁻⁵³: r = √(2·2⁻⁵³) ≈ 1.5e-8 — the radius lattice near 0 is as fine
  // as the 53-bit uniform allows (no gap of 32-bit size ≈ 2e-5 around 0).
  const NormalPair near0 = normal_pair({0xFFFFFFFFU, 0xFFFFF7FFU, 0x20000000U, 0U});
  EXPECT_GT(near0.z0, 0.0);
  EXPECT_NEAR(near0.z0, std::sqrt(2.0 * 0x1p-53), 1e-15);
  // u = 1 gives r = 0 exactly (probability 2⁻⁵³), never NaN.
  const NormalPair zero = normal_pair({0xFFFFFFFFU, 0xFFFFFFFFU, 0x12345678U, 0x9ABCDEF0U});
  EXPECT_EQ(std::abs(zero.z0) + std::abs(zero.z1), 0.0);
}

TEST(PortableMath, QuadrantsCoverTheCircle) {
  // Same t (f = ¾ → t = π/8), the four quadrants: (z0, z1) rotates by 90° each time.
  const double r = normal_pair({0U, 0U, 0x30000000U, 0U}).z0 / std::cos(std::numbers::pi / 8);
  for (std::uint32_t q = 0; q < 4; ++q) {
    const NormalPair p = normal_pair({0U, 0U, (q << 30U) | 0x30000000U, 0U});
    const double theta = q * std::numbers::pi / 2 + std::numbers::pi / 8;
    // 1e-14: r ≈ 8.57 times the 1e-15 relative bounds above, with margin.
    EXPECT_NEAR(p.z0, r * std::cos(theta), 1e-14) << "q = " << q;
    EXPECT_NEAR(p.z1, r * std::sin(theta), 1e-14) << "q = " << q;
  }
}

}  // namespace
}  // namespace initcheck::rng::detail
