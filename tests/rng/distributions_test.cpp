#include "initcheck/rng/distributions.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <thread>
#include <vector>

#include "initcheck/core/error.hpp"
#include "initcheck/rng/detail/portable_math.hpp"
#include "initcheck/stats/proportion_interval.hpp"
#include "initcheck/stats/quantiles.hpp"
#include "initcheck/stats/variance_interval.hpp"

// Statistical checks of the samplers. Every check has level α = 1e-9 (false-rejection
// probability for a correct sampler and a random seed); the seeds are fixed, so each run draws
// the same numbers and a passing test cannot turn flaky. The draws are iid by construction
// (distinct Philox counters), so pooled tests (KS, χ², binomial) are legitimate here.
// Calibration: the library's samplers pass every check. Power: planted bugs fail the checks
// named in their tests.

namespace initcheck::rng {
namespace {

constexpr double kAlpha = 1e-9;
constexpr std::size_t kN = std::size_t{1} << 21U;  // 2.1M draws per sample

/// Φ(x) of N(0, 1) via erfc (libm accuracy ~1e-16, immaterial at KS resolution 1e-3).
double phi_cdf(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}

/// Kolmogorov–Smirnov distance between the empirical CDF of `xs` and `cdf`.
double ks_distance(std::vector<double> xs, const std::function<double(double)>& cdf) {
  std::sort(xs.begin(), xs.end());
  const auto n = static_cast<double>(xs.size());
  double d = 0.0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double f = cdf(xs[i]);
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

/// Dvoretzky–Kiefer–Wolfowitz bound with Massart's (1990) constant: P(D_n > ε) ≤ 2·e^{−2nε²}
/// for every n and every continuous F — exact, not asymptotic. ε = √(ln(2/α)/(2n)).
/// (Float outputs are rounded to 2⁻²⁴ relative; that shifts F by < 1e-7, far below ε ≈ 2.3e-3.)
bool ks_accepts(const std::vector<double>& xs, const std::function<double(double)>& cdf) {
  const double eps = std::sqrt(std::log(2.0 / kAlpha) / (2.0 * static_cast<double>(xs.size())));
  return ks_distance(xs, cdf) <= eps;
}

struct NormalVerdicts {
  bool mean = false;
  bool variance = false;
  bool kurtosis = false;
  bool tail = false;
  bool ks = false;
};

/// The five checks of "xs are iid N(0, 1)", each at level α.
NormalVerdicts check_standard_normal(const std::vector<double>& xs) {
  const std::size_t n = xs.size();
  const auto dn = static_cast<double>(n);
  double sum = 0.0;
  for (const double x : xs) sum += x;
  const double mean = sum / dn;
  double m2 = 0.0;
  double m4 = 0.0;
  std::size_t beyond3 = 0;
  for (const double x : xs) {
    const double d = x - mean;
    m2 += d * d;
    m4 += d * d * d * d;
    beyond3 += std::abs(x) > 3.0 ? 1U : 0U;
  }
  NormalVerdicts v;
  // Mean: x̄·√n ~ N(0, 1) exactly for normal draws (a sum of normals is normal).
  v.mean = std::abs(mean) * std::sqrt(dn) <= stats::normal_quantile(1.0 - kAlpha / 2.0);
  // Variance: Σ(x − x̄)² ~ χ²_{n−1} exactly; the exact interval must contain σ² = 1.
  v.variance = stats::variance_interval(m2, n, 1.0 - kAlpha).contains(1.0);
  // Kurtosis b₂ = n·Σd⁴/(Σd²)²: exact normal-theory mean 3(n−1)/(n+1) and variance
  // 24n(n−2)(n−3)/((n+1)²(n+3)(n+5)); b₂ itself is only asymptotically normal (skewness
  // ≈ √(216/n) ≈ 0.01 here), so the z bound is taken at 1e-11: the Edgeworth correction
  // (skew/6)(z³ − 3z) ≈ 0.55 changes that tail by < 50 %, far inside the factor 100 to α = 1e-9.
  const double b2 = dn * m4 / (m2 * m2);
  const double b2_mean = 3.0 * (dn - 1.0) / (dn + 1.0);
  const double b2_var =
      24.0 * dn * (dn - 2.0) * (dn - 3.0) / ((dn + 1.0) * (dn + 1.0) * (dn + 3.0) * (dn + 5.0));
  v.kurtosis =
      std::abs(b2 - b2_mean) <= stats::normal_quantile(1.0 - 1e-11 / 2) * std::sqrt(b2_var);
  // Tail: #{|z| > 3} ~ Binomial(n, 2Φ(−3)); exact Clopper–Pearson interval at level 1 − α.
  v.tail = stats::clopper_pearson_interval(beyond3, n, 1.0 - kAlpha).contains(2.0 * phi_cdf(-3.0));
  // Uniformity of Φ(z): KS with the exact DKW–Massart bound.
  v.ks = ks_accepts(xs, phi_cdf);
  return v;
}

void expect_all_pass(const NormalVerdicts& v) {
  EXPECT_TRUE(v.mean);
  EXPECT_TRUE(v.variance);
  EXPECT_TRUE(v.kurtosis);
  EXPECT_TRUE(v.tail);
  EXPECT_TRUE(v.ks);
}

template <typename T>
std::vector<double> library_normals(std::uint64_t seed, double mean, double std) {
  Engine e(seed);
  std::vector<T> xs(kN);
  fill_normal(e, std::span<T>(xs), mean, std);
  return {xs.begin(), xs.end()};
}

TEST(NormalLaw, DoubleFillPassesAllChecks) {
  expect_all_pass(check_standard_normal(library_normals<double>(2, 0.0, 1.0)));
}

TEST(NormalLaw, FloatFillPassesAllChecks) {
  expect_all_pass(check_standard_normal(library_normals<float>(3, 0.0, 1.0)));
}

TEST(NormalLaw, StandardNormalCallsPassAllChecks) {
  // One block per call (z0 of each pair): a different code path from the bulk fill.
  Engine e(4);
  std::vector<double> xs(kN / 4);
  for (double& x : xs) x = standard_normal(e);
  expect_all_pass(check_standard_normal(xs));
}

TEST(NormalLaw, TailIsNotCut) {
  // The largest of n = 2²¹ draws exceeds 4.4 unless the tail is cut: for a correct sampler
  // P(max |z| ≤ 4.4) = (1 − 2Φ(−4.4))ⁿ = (1 − 1.08e-5)ⁿ ≈ 1.4e-10 ≤ α. (The tail's reach to
  // 8.57 is checked deterministically in PortableMath.TailReachesFull53BitRadius.)
  const std::vector<double> xs = library_normals<double>(6, 0.0, 1.0);
  double max_abs = 0.0;
  for (const double x : xs) max_abs = std::max(max_abs, std::abs(x));
  EXPECT_GT(max_abs, 4.4);
}

// Power: std·1.01 (a 2 % variance error) lies ≈ 20 standard errors √(2/n) from 1 — the exact
// χ² check (half-width ≈ 6.1 standard errors) rejects it.
TEST(NormalLawPower, ScaledStdIsRejected) {
  const NormalVerdicts v = check_standard_normal(library_normals<double>(7, 0.0, 1.01));
  EXPECT_FALSE(v.variance);
  EXPECT_TRUE(v.mean);  // the planted bug does not touch the mean
}

TEST(NormalLawPower, ShiftedMeanIsRejected) {
  // mean 0.01: 0.01·√n ≈ 14.5 ≫ 6.1.
  EXPECT_FALSE(check_standard_normal(library_normals<double>(8, 0.01, 1.0)).mean);
}

// The classic cheap "normal" Σ₁₂ U(0,1) − 6 (Irwin–Hall): mean 0 and variance 1 exactly, but
// kurtosis 2.9 (≈ 30 standard errors away at n = 2²¹) and P(|z| > 3) = 2·482355/12! ≈ 2.0e-3
// instead of 2.7e-3 (≈ 19 standard errors).
TEST(NormalLawPower, IrwinHallApproximationIsRejected) {
  Engine e(9);
  std::vector<double> xs(kN);
  std::vector<float> u(std::size_t{12} * 4096);
  for (std::size_t i = 0; i < kN; i += 4096) {
    fill_uniform(e, std::span<float>(u), 0.0, 1.0);
    for (std::size_t k = 0; k < 4096; ++k) {
      double s = -6.0;
      for (std::size_t j = 0; j < 12; ++j) s += u[12 * k + j];
      xs[i + k] = s;
    }
  }
  const NormalVerdicts v = check_standard_normal(xs);
  EXPECT_FALSE(v.kurtosis);
  EXPECT_FALSE(v.tail);
}

// A Box–Muller whose angle covers only half the circle (quadrant bits q & 1): mean of z0 is
// E[r]·(√2/π) ≈ 0.56.
TEST(NormalLawPower, HalfCircleAngleIsRejected) {
  Engine e(10);
  std::vector<double> xs(kN);
  for (double& x : xs) {
    std::array<std::uint32_t, 4> w = e.next_block();
    w[2] &= 0x7FFFFFFFU;
    x = detail::normal_pair(w).z0;
  }
  const NormalVerdicts v = check_standard_normal(xs);
  EXPECT_FALSE(v.mean);
  EXPECT_FALSE(v.ks);
}

TEST(UniformLaw, FillUniformPassesKsAndVariance) {
  const double b = std::sqrt(3.0);
  Engine e(11);
  std::vector<float> xf(kN);
  fill_uniform(e, std::span<float>(xf), -b, b);
  const std::vector<double> xs(xf.begin(), xf.end());
  for (const double x : xs) ASSERT_LE(std::abs(x), b * (1.0 + 1e-7));  // float rounding of ±b
  const auto cdf = [b](double x) { return std::clamp((x + b) / (2.0 * b), 0.0, 1.0); };
  EXPECT_TRUE(ks_accepts(xs, cdf));
  // Second moment with the declared kurtosis 1.8 of a uniform: Satterthwaite χ² matching the
  // exact first two moments of Σx² (asymptotic, n = 2.1M).
  double ss = 0.0;
  for (const double x : xs) ss += x * x;
  EXPECT_TRUE(
      stats::second_moment_interval_declared_kurtosis(ss, kN, 1.8, 1.0 - kAlpha).contains(1.0));
}

TEST(UniformLawPower, WrongBoundIsRejected) {
  // U(±1.01·√3) vs U(±√3): sup |ΔF| ≈ 0.005, twice ε ≈ 2.3e-3.
  const double b = std::sqrt(3.0);
  Engine e(12);
  std::vector<float> xf(kN);
  fill_uniform(e, std::span<float>(xf), -1.01 * b, 1.01 * b);
  const auto cdf = [b](double x) { return std::clamp((x + b) / (2.0 * b), 0.0, 1.0); };
  EXPECT_FALSE(ks_accepts({xf.begin(), xf.end()}, cdf));
}

/// CDF of N(0, 1) truncated to [−c, c].
std::function<double(double)> truncated_cdf(double c) {
  return [c](double x) {
    const double mass = 2.0 * phi_cdf(c) - 1.0;
    return std::clamp((phi_cdf(x) - phi_cdf(-c)) / mass, 0.0, 1.0);
  };
}

TEST(TruncatedLaw, NormalProposalPassesKsAndSupport) {
  Engine e(13);
  std::vector<float> xf(kN);
  fill_truncated_normal(e, std::span<float>(xf), 1.0, 2.0);
  for (const float x : xf) ASSERT_LE(std::abs(x), 2.0F);
  const std::vector<double> xs(xf.begin(), xf.end());
  EXPECT_TRUE(ks_accepts(xs, truncated_cdf(2.0)));
  // Variance 0.77374130354992324 (published reference values), kurtosis 2.3655 declared
  // (Satterthwaite).
  double ss = 0.0;
  for (const double x : xs) ss += x * x;
  EXPECT_TRUE(stats::second_moment_interval_declared_kurtosis(ss, kN, 2.3655, 1.0 - kAlpha)
                  .contains(0.77374130354992324));
}

TEST(TruncatedLaw, UniformProposalPassesKsAndSupport) {
  // cut 0.25 < 0.5 takes the uniform-proposal path; std = 2 scales it to ±0.5.
  Engine e(14);
  std::vector<float> xf(kN / 4);
  fill_truncated_normal(e, std::span<float>(xf), 2.0, 0.25);
  for (const float x : xf) ASSERT_LE(std::abs(x), 0.5F);
  std::vector<double> xs;
  xs.reserve(xf.size());
  for (const float x : xf) xs.push_back(x / 2.0);
  EXPECT_TRUE(ks_accepts(xs, truncated_cdf(0.25)));
}

TEST(TruncatedLawPower, WrongCutIsRejected) {
  // Truncating at 2.1 instead of 2: ≈ 1 % of the mass sits beyond ±2 — sup |ΔF| ≈ 5.1e-3, twice
  // ε ≈ 2.3e-3.
  Engine e(15);
  std::vector<float> xf(kN);
  fill_truncated_normal(e, std::span<float>(xf), 1.0, 2.1);
  EXPECT_FALSE(ks_accepts({xf.begin(), xf.end()}, truncated_cdf(2.0)));
}

TEST(TruncatedLawPower, UniformProposalWithoutAcceptStepIsRejected) {
  // Plain U(−c, c) (the accept step forgotten) at c = 0.45, just below the switch to normal
  // proposals: sup |ΔF| ≈ 6.5e-3, twice ε ≈ 3.2e-3 at n = 2²⁰. (At c = 0.25 the gap, 2.0e-3,
  // would be too small for this n: narrow truncations are nearly uniform.)
  const double c = 0.45;
  Engine e(16);
  std::vector<float> xf(kN / 4);
  fill_uniform(e, std::span<float>(xf), -c, c);
  EXPECT_FALSE(ks_accepts({xf.begin(), xf.end()}, truncated_cdf(c)));
}

TEST(Truncated, RejectsBadCut) {
  Engine e(7);
  std::vector<float> xs(4);
  EXPECT_THROW(fill_truncated_normal(e, std::span<float>(xs), 1.0, 0.0), InputError);
  EXPECT_THROW(fill_truncated_normal(e, std::span<float>(xs), 1.0, NAN), InputError);
  EXPECT_THROW(fill_truncated_normal(e, std::span<float>(xs), 1.0, INFINITY), InputError);
}

// ---- Gamma / χ² (Marsaglia–Tsang) and Bin(n, ½) ----
//
// Each law gets an exact test of its mean, a z test of its variance and (gamma) the exact
// DKW–Massart KS test, each at α = 1e-9 with fixed seeds.

/// z bound of the variance checks: the statistic is a mean of N ≥ 2¹⁸ iid terms
/// Y = (X − E X)² whose skewness γ is at most ≈ 20 for the laws below (Gamma(0.3) is the worst),
/// so the Edgeworth term (γ/(6√N))·(z² − 1) changes the tail at z ≈ 6.7 by < 15 %. The bound is
/// taken at 1e-11 so the true false-rejection probability stays ≤ α = 1e-9 with ample margin.
double variance_z() {
  return stats::normal_quantile(1.0 - 1e-11 / 2.0);
}

struct LawVerdicts {
  bool mean = false;
  bool variance = false;
  bool ks = false;  ///< gamma only
};

/// Checks iid draws `xs` of Gamma(shape): exact mean test (2·ΣX ~ χ²_{2N·shape}), variance z
/// test (Var X = a, Var (X − a)² = 2a² + 6a), and KS against P(X ≤ x) = P(χ²_{2a} ≤ 2x).
LawVerdicts check_gamma(const std::vector<double>& xs, double shape) {
  const auto n = static_cast<double>(xs.size());
  double sum = 0.0;
  double ss = 0.0;
  for (const double x : xs) {
    sum += x;
    ss += (x - shape) * (x - shape);
  }
  LawVerdicts v;
  const double dof = 2.0 * n * shape;
  v.mean = stats::chi_squared_quantile(dof, kAlpha / 2.0) <= 2.0 * sum &&
           2.0 * sum <= stats::chi_squared_quantile(dof, 1.0 - kAlpha / 2.0);
  const double sd_ss = std::sqrt((2.0 * shape * shape + 6.0 * shape) / n);
  v.variance = std::abs(ss / n - shape) <= variance_z() * sd_ss;
  v.ks = ks_accepts(xs, [shape](double x) {
    return x <= 0.0 ? 0.0 : stats::chi_squared_cdf(2.0 * shape, 2.0 * x);
  });
  return v;
}

std::vector<double> library_gammas(std::uint64_t seed, double shape, std::size_t n) {
  Engine e(seed);
  std::vector<double> xs(n);
  for (double& x : xs) x = gamma(e, shape);
  return xs;
}

constexpr std::size_t kGammaN = std::size_t{1} << 20U;

TEST(GammaLaw, PassesMeanVarianceAndKs) {
  // Shapes below 1 (the U^{1/a} boost: 0.3, 0.5 = χ²₁), 1 (exponential), half-integers (χ²) and
  // a large shape where the squeeze accepts nearly everything.
  std::uint64_t seed = 30;
  for (const double shape : {0.3, 0.5, 1.0, 2.5, 7.0, 512.0}) {
    const LawVerdicts v = check_gamma(library_gammas(seed++, shape, kGammaN), shape);
    EXPECT_TRUE(v.mean) << shape;
    EXPECT_TRUE(v.variance) << shape;
    EXPECT_TRUE(v.ks) << shape;
  }
}

TEST(GammaLaw, ChiSquaredIsTwiceGamma) {
  // χ²₉/2 must be Gamma(4.5).
  Engine e(40);
  std::vector<double> half(kGammaN / 4);
  for (double& x : half) x = 0.5 * chi_squared(e, 9.0);
  const LawVerdicts v = check_gamma(half, 4.5);
  EXPECT_TRUE(v.mean);
  EXPECT_TRUE(v.variance);
  EXPECT_TRUE(v.ks);
}

TEST(GammaLaw, ShapeZeroIsZeroWithoutDraws) {
  Engine e(41);
  Engine fresh(41);
  EXPECT_EQ(gamma(e, 0.0), 0.0);
  EXPECT_EQ(chi_squared(e, 0.0), 0.0);
  EXPECT_EQ(e.next_block(), fresh.next_block());  // nothing consumed
}

TEST(GammaLaw, RejectsBadShape) {
  Engine e(42);
  EXPECT_THROW(gamma(e, -1.0), InputError);
  EXPECT_THROW(gamma(e, std::nan("")), InputError);
  EXPECT_THROW(gamma(e, std::numeric_limits<double>::infinity()), InputError);
  EXPECT_THROW(chi_squared(e, -0.5), InputError);
}

TEST(GammaLaw, SameSeedSameOutput) {
  EXPECT_EQ(library_gammas(43, 0.7, 1000), library_gammas(43, 0.7, 1000));
  EXPECT_EQ(library_gammas(43, 3.5, 1000), library_gammas(43, 3.5, 1000));
}

// Power. Shape off by one (what a shape < 1 path that forgets the U^{1/a} factor returns):
// Gamma(a + 1) checked as Gamma(a) has mean a + 1: the sum is off by N = 2²⁰ against a χ²
// half-width ≈ 6.1·√(N·a) ≈ 6,200 for a = 2.5.
TEST(GammaLawPower, ShapeOffByOneIsRejected) {
  for (const double shape : {0.5, 2.5}) {
    const LawVerdicts v = check_gamma(library_gammas(44, shape + 1.0, kGammaN), shape);
    EXPECT_FALSE(v.mean) << shape;
    EXPECT_FALSE(v.ks) << shape;
  }
}

// Scale/shape confusion: 2·Gamma(a/2) has the right mean a but variance 2a; the variance
// check (z·sd ≈ 6.7·√((2a² + 6a)/N) ≈ 0.03 at a = 4) sees the error a = 4.
TEST(GammaLawPower, RightMeanWrongVarianceIsRejected) {
  std::vector<double> xs = library_gammas(45, 2.0, kGammaN);
  for (double& x : xs) x *= 2.0;
  const LawVerdicts v = check_gamma(xs, 4.0);
  EXPECT_TRUE(v.mean);  // the planted bug keeps the mean
  EXPECT_FALSE(v.variance);
}

/// Bin(n, ½) draws: exact mean test (ΣB ~ Bin(N·n, ½), Clopper–Pearson at 1 − α) and variance
/// z test (Var B = n/4, Var (B − n/2)² = n(n − 1)/8).
LawVerdicts check_binomial_half(const std::vector<std::uint64_t>& bs, std::uint64_t trials) {
  const auto n = static_cast<double>(bs.size());
  const double half = 0.5 * static_cast<double>(trials);
  std::uint64_t ones = 0;
  double ss = 0.0;
  for (const std::uint64_t b : bs) {
    ones += b;
    ss += (static_cast<double>(b) - half) * (static_cast<double>(b) - half);
  }
  LawVerdicts v;
  v.mean = stats::clopper_pearson_interval(ones, bs.size() * trials, 1.0 - kAlpha).contains(0.5);
  const auto t = static_cast<double>(trials);
  v.variance = std::abs(ss / n - t / 4.0) <= variance_z() * std::sqrt(t * (t - 1.0) / 8.0 / n);
  return v;
}

std::vector<std::uint64_t> library_binomials(std::uint64_t seed, std::size_t n,
                                             std::uint64_t trials) {
  Engine e(seed);
  std::vector<std::uint64_t> bs(n);
  for (std::uint64_t& b : bs) b = binomial_half(e, trials);
  return bs;
}

/// Draws per bit count: ≈ 2²² bits in all, at least 2¹⁴ draws.
std::size_t binomial_draws(std::uint64_t trials) {
  return std::max<std::size_t>(std::size_t{1} << 14U, (std::size_t{1} << 22U) / trials);
}

TEST(BinomialHalf, PassesMeanAndVariance) {
  // Bit counts around the word (32), block (128) and batch (128 blocks = 16,384 bits) edges.
  std::uint64_t seed = 50;
  for (const std::uint64_t trials : {1U, 31U, 32U, 33U, 100U, 128U, 129U, 1000U, 16384U, 20000U}) {
    const LawVerdicts v =
        check_binomial_half(library_binomials(seed++, binomial_draws(trials), trials), trials);
    EXPECT_TRUE(v.mean) << trials;
    EXPECT_TRUE(v.variance) << trials;
  }
}

TEST(BinomialHalf, CountsTheBitsOfWholeBlocks) {
  // 100 bits: words 0–2 of the first block and the low 4 bits of word 3; 300 bits: two blocks
  // and the low 44 bits of the third (words 0 and low 12 bits of word 1). Nothing else drawn.
  for (const std::uint64_t trials : {0U, 100U, 128U, 300U, 16384U, 16385U}) {
    Engine e(60);
    Engine manual(60);
    const std::uint64_t b = binomial_half(e, trials);
    std::uint64_t ones = 0;
    std::uint64_t left = trials;
    while (left > 0) {
      const std::array<std::uint32_t, 4> w = manual.next_block();
      for (std::size_t v = 0; v < 4 && left > 0; ++v) {
        const std::uint64_t take = std::min<std::uint64_t>(left, 32);
        const std::uint32_t mask = take == 32 ? 0xFFFFFFFFU : ((1U << take) - 1U);
        ones += static_cast<std::uint64_t>(std::popcount(w[v] & mask));
        left -= take;
      }
    }
    EXPECT_EQ(b, ones) << trials;
    EXPECT_EQ(e.next_block(), manual.next_block()) << trials;  // same number of blocks used
  }
}

// Power: one bit too many (n + 1 drawn for n = 129) shifts the sum by N/2 ≈ 16,000, i.e.
// ≈ 16 standard deviations √(N·n)/2 ≈ 1,000 (N = 32,513); the Clopper–Pearson half-width is
// ≈ 6.1 of them.
TEST(BinomialHalfPower, OffByOneBitIsRejected) {
  EXPECT_FALSE(check_binomial_half(library_binomials(61, binomial_draws(129), 130), 129).mean);
}

// ---- Determinism and the block-use contract (distributions.hpp) ----

TEST(Determinism, SameSeedSameOutput) {
  for (const std::size_t n :
       {std::size_t{0}, std::size_t{1}, std::size_t{1001}, std::size_t{4096}}) {
    Engine a(8);
    Engine b(8);
    std::vector<float> x(n);
    std::vector<float> y(n);
    fill_normal(a, std::span<float>(x));
    fill_normal(b, std::span<float>(y));
    EXPECT_EQ(x, y);
    fill_uniform(a, std::span<float>(x), -1.0, 1.0);
    fill_uniform(b, std::span<float>(y), -1.0, 1.0);
    EXPECT_EQ(x, y);
    fill_truncated_normal(a, std::span<float>(x), 1.0, 2.0);
    fill_truncated_normal(b, std::span<float>(y), 1.0, 2.0);
    EXPECT_EQ(x, y);
  }
}

TEST(Determinism, BulkEqualsScalarKernelBitForBit) {
  // The vectorized fill gives exactly detail::normal_pair of consecutive blocks (same rounding
  // in vector and scalar code: no FMA contraction, explicit fma only).
  Engine bulk(17);
  Engine scalar(17);
  std::vector<double> xs(1000);
  fill_normal(bulk, std::span<double>(xs));
  for (std::size_t j = 0; j < xs.size() / 2; ++j) {
    const detail::NormalPair p = detail::normal_pair(scalar.next_block());
    ASSERT_EQ(xs[2 * j], p.z0) << j;
    ASSERT_EQ(xs[2 * j + 1], p.z1) << j;
  }
  Engine one(17);
  EXPECT_EQ(standard_normal(one), xs[0]);
}

TEST(Determinism, FloatIsRoundedDouble) {
  Engine a(18);
  Engine b(18);
  std::vector<double> xd(777);
  std::vector<float> xf(777);
  fill_normal(a, std::span<double>(xd), 0.5, 3.0);
  fill_normal(b, std::span<float>(xf), 0.5, 3.0);
  for (std::size_t i = 0; i < xd.size(); ++i) ASSERT_EQ(xf[i], static_cast<float>(xd[i]));
}

TEST(Determinism, ChunkingAtEvenIndicesDoesNotChangeNormals) {
  Engine whole(19);
  std::vector<float> all(1001);
  fill_normal(whole, std::span<float>(all));
  Engine pieces(19);
  std::vector<float> parts(1001);
  std::size_t at = 0;
  for (const std::size_t len : {2, 256, 258, 300, 185}) {  // crosses the 256-value batches
    fill_normal(pieces, std::span<float>(parts).subspan(at, len));
    at += len;
  }
  EXPECT_EQ(all, parts);
}

TEST(Determinism, ChunkingAtMultiplesOfFourDoesNotChangeUniforms) {
  Engine whole(20);
  std::vector<float> all(1203);
  fill_uniform(whole, std::span<float>(all), -2.0, 3.0);
  Engine pieces(20);
  std::vector<float> parts(1203);
  std::size_t at = 0;
  for (const std::size_t len : {4, 512, 516, 171}) {
    fill_uniform(pieces, std::span<float>(parts).subspan(at, len), -2.0, 3.0);
    at += len;
  }
  EXPECT_EQ(all, parts);
}

TEST(Determinism, SplitStreamsDiffer) {
  const Engine root(21);
  Engine a = root.split(1);
  Engine b = root.split(2);
  std::vector<float> x(256);
  std::vector<float> y(256);
  fill_normal(a, std::span<float>(x));
  fill_normal(b, std::span<float>(y));
  int equal = 0;
  for (std::size_t i = 0; i < x.size(); ++i) equal += x[i] == y[i] ? 1 : 0;
  // Independent continuous draws coincide as floats with probability ~1e-7 each.
  EXPECT_LE(equal, 2);
}

TEST(Determinism, ThreadCountDoesNotChangeOutput) {
  // Streams are pure functions of (seed, id): filling 8 child streams on 4 threads gives the
  // same bits as filling them one after the other.
  const Engine root(22);
  constexpr std::size_t kStreams = 8;
  std::vector<std::vector<float>> serial(kStreams, std::vector<float>(5000));
  std::vector<std::vector<float>> threaded(kStreams, std::vector<float>(5000));
  for (std::size_t s = 0; s < kStreams; ++s) {
    Engine e = root.split(s);
    fill_normal(e, std::span<float>(serial[s]));
  }
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < 4; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t s = t; s < kStreams; s += 4) {
        Engine e = root.split(s);
        fill_normal(e, std::span<float>(threaded[s]));
      }
    });
  }
  for (auto& th : pool) th.join();
  EXPECT_EQ(serial, threaded);
}

TEST(Determinism, Uniform01Range) {
  Engine e(1);
  for (int i = 0; i < 100000; ++i) {
    const double u = uniform01(e);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

}  // namespace
}  // namespace initcheck::rng
