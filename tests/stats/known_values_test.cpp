// Known-answer tests: published table values, closed forms, exact moment identities, and
// argument validation.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"
#include "initcheck/stats/confidence_sequence.hpp"
#include "initcheck/stats/error_budget.hpp"
#include "initcheck/stats/log_gain_interval.hpp"
#include "initcheck/stats/mean_interval.hpp"
#include "initcheck/stats/proportion_interval.hpp"
#include "initcheck/stats/quantiles.hpp"
#include "initcheck/stats/sample_moments.hpp"
#include "initcheck/stats/variance_interval.hpp"
#include "initcheck/stats/variance_ratio_interval.hpp"
#include "initcheck/stats/weighted_chi_squared.hpp"

namespace initcheck::stats {
namespace {

// Printed tables give 6–7 significant digits, so table comparisons use a relative 2e-6.
void expect_table(double actual, double table) {
  EXPECT_NEAR(actual, table, 2e-6 * std::abs(table));
}

TEST(Quantiles, MatchPublishedTables) {
  // Abramowitz & Stegun Table 26.1 / 26.8 / 26.9 / 26.10 and NIST e-Handbook 1.3.6.7.
  expect_table(normal_quantile(0.975), 1.959964);
  expect_table(normal_quantile(0.95), 1.644854);
  expect_table(chi_squared_quantile(1, 0.95), 3.841459);
  expect_table(chi_squared_quantile(10, 0.95), 18.30704);
  expect_table(chi_squared_quantile(10, 0.05), 3.940299);
  expect_table(chi_squared_quantile(100, 0.975), 129.5612);
  expect_table(student_t_quantile(1, 0.975), 12.70620);
  expect_table(student_t_quantile(10, 0.975), 2.228139);
  expect_table(fisher_f_quantile(5, 10, 0.95), 3.325835);
  expect_table(fisher_f_quantile(1, 1, 0.95), 161.4476);
  // χ²_2 is exponential with mean 2: F(x) = 1 − e^{−x/2} exactly (1e-14: rounding only).
  EXPECT_NEAR(chi_squared_cdf(2, 3.0), 1.0 - std::exp(-1.5), 1e-14);
  EXPECT_NEAR(chi_squared_quantile(2, 0.3), -2.0 * std::log(0.7), 1e-13);
}

TEST(ChiSquaredInterval, ExactEndsFromQuantiles) {
  // Σx² = 12 from n = 10 samples at level 0.9: [12/χ²_{10,.95}, 12/χ²_{10,.05}].
  const ConfidenceInterval ci = second_moment_interval(12.0, 10, 0.9);
  expect_table(ci.lower, 12.0 / 18.30704);
  expect_table(ci.upper, 12.0 / 3.940299);
  EXPECT_DOUBLE_EQ(ci.estimate, 1.2);
  EXPECT_EQ(ci.n, 10U);
  // Unknown mean uses χ²_{n−1}.
  const ConfidenceInterval v = variance_interval(12.0, 11, 0.9);
  EXPECT_DOUBLE_EQ(v.lower, ci.lower);
  EXPECT_DOUBLE_EQ(v.upper, ci.upper);
  EXPECT_EQ(v.n, 11U);
}

TEST(KurtosisInterval, NormalKurtosisReproducesExactChiSquared) {
  // κ = 3 gives ν = n (second moment) and ν = n − 1 (variance): the exact intervals. 1e-12:
  // the only difference is rounding in 2n/(κ−1).
  const ConfidenceInterval exact = second_moment_interval(30.0, 25, 0.95);
  const ConfidenceInterval aware = second_moment_interval_declared_kurtosis(30.0, 25, 3.0, 0.95);
  EXPECT_NEAR(aware.lower, exact.lower, 1e-12);
  EXPECT_NEAR(aware.upper, exact.upper, 1e-12);
  const ConfidenceInterval exact_v = variance_interval(30.0, 25, 0.95);
  const ConfidenceInterval aware_v = variance_interval_declared_kurtosis(30.0, 25, 3.0, 0.95);
  EXPECT_NEAR(aware_v.lower, exact_v.lower, 1e-12);
  EXPECT_NEAR(aware_v.upper, exact_v.upper, 1e-12);
  // Light tails (uniform, κ = 1.8) → narrower; κ = 1 → zero width (±c weights).
  EXPECT_LT(second_moment_interval_declared_kurtosis(30.0, 25, 1.8, 0.95).width(), exact.width());
  EXPECT_EQ(second_moment_interval_declared_kurtosis(30.0, 25, 1.0, 0.95).width(), 0.0);
}

TEST(ProportionInterval, ClopperPearsonClosedForms) {
  // 0/n: upper = 1 − (α/2)^{1/n}; n/n: lower = (α/2)^{1/n}; 1/n lower = 1 − (1 − α/2)^{1/n}.
  // 1e-12: Boost inverts the incomplete beta to near machine precision.
  for (std::size_t n : {1U, 2U, 5U, 20U, 1000U}) {
    const double a2 = 0.05 / 2.0;
    const auto dn = static_cast<double>(n);
    const ConfidenceInterval zero = clopper_pearson_interval(0, n, 0.95);
    EXPECT_EQ(zero.lower, 0.0);
    EXPECT_NEAR(zero.upper, 1.0 - std::pow(a2, 1.0 / dn), 1e-12) << n;
    const ConfidenceInterval all = clopper_pearson_interval(n, n, 0.95);
    EXPECT_EQ(all.upper, 1.0);
    EXPECT_NEAR(all.lower, std::pow(a2, 1.0 / dn), 1e-12) << n;
    const ConfidenceInterval one = clopper_pearson_interval(1, n, 0.95);
    EXPECT_NEAR(one.lower, 1.0 - std::pow(1.0 - a2, 1.0 / dn), 1e-12) << n;
  }
}

TEST(ProportionInterval, PublishedValues) {
  // 5/10 at 95% (Clopper & Pearson; e.g. R binom.test): [0.187086, 0.812914]; Wilson
  // (Newcombe 1998 Table I method 3): [0.2366, 0.7634] (4 digits → 5e-5).
  const ConfidenceInterval cp = clopper_pearson_interval(5, 10, 0.95);
  expect_table(cp.lower, 0.1870860);
  expect_table(cp.upper, 0.8129140);
  const ConfidenceInterval w = wilson_interval(5, 10, 0.95);
  EXPECT_NEAR(w.lower, 0.2366, 5e-5);
  EXPECT_NEAR(w.upper, 0.7634, 5e-5);
  // Each CP end puts exactly α/2 in its tail: P(X ≥ 5; lower) = P(X ≤ 5; upper) = 0.025.
  EXPECT_NEAR(1.0 - binomial_cdf(10, cp.lower, 4), 0.025, 1e-10);
  EXPECT_NEAR(binomial_cdf(10, cp.upper, 5), 0.025, 1e-10);
}

TEST(MeanInterval, TAndZEnds) {
  const ConfidenceInterval t = mean_interval(1.0, 4.0, 11, 0.95);  // ± t_{10,.975}·2/√11
  expect_table(t.upper - 1.0, 2.228139 * 2.0 / std::sqrt(11.0));
  EXPECT_DOUBLE_EQ(t.upper - 1.0, 1.0 - t.lower);
  const ConfidenceInterval z = mean_interval_known_sigma(0.0, 2.0, 4, 0.95);
  expect_table(z.upper, 1.959964);
}

TEST(VarianceRatio, FQuantileEnds) {
  // r = 2 with dofs (5, 10) at 90%: [2/F_{.95}(5,10), 2/F_{.05}(5,10)], F_{.05}(5,10) =
  // 1/F_{.95}(10,5).
  const ConfidenceInterval ci = variance_ratio_interval(4.0, 5, 2.0, 10, 0.9);
  expect_table(ci.lower, 2.0 / 3.325835);
  expect_table(ci.upper, 2.0 * fisher_f_quantile(10, 5, 0.95));
  EXPECT_DOUBLE_EQ(ci.estimate, 2.0);
}

TEST(WeightedChiSquared, ExactMomentsAndSatterthwaite) {
  const std::vector<double> w{1.0, 2.0};
  const std::vector<double> k{3.0, 4.0};
  const WeightedChiSquared q = weighted_chi_squared(w, k);
  EXPECT_DOUBLE_EQ(q.mean, 11.0);             // 1·3 + 2·4
  EXPECT_DOUBLE_EQ(q.variance, 38.0);         // 2(1·3 + 4·4)
  EXPECT_DOUBLE_EQ(q.scale * q.dof, q.mean);  // c·ν matches the mean
  EXPECT_DOUBLE_EQ(2.0 * q.scale * q.scale * q.dof, q.variance);
  // Equal weights: exactly w·χ²_{Σk}, so the interval equals the exact χ² one (1e-12: rounding).
  const std::vector<double> we{0.5, 0.5, 0.5};
  const std::vector<double> ke{2.0, 3.0, 5.0};
  const WeightedChiSquared qe = weighted_chi_squared(we, ke);
  EXPECT_NEAR(qe.dof, 10.0, 1e-12);
  EXPECT_NEAR(qe.scale, 0.5, 1e-12);
  const ConfidenceInterval a = weighted_chi_squared_scale_interval(7.0, qe, 0.9);
  const ConfidenceInterval b = chi_squared_scale_interval(14.0, 10.0, 0.9);
  EXPECT_NEAR(a.lower, b.lower, 1e-12);
  EXPECT_NEAR(a.upper, b.upper, 1e-12);
  EXPECT_NEAR(weighted_chi_squared_quantile(qe, 0.95), 0.5 * 18.30704, 1e-5);
}

TEST(LogGainInterval, SingleLayerIsExactChiSquared) {
  // One layer: the log of the exact χ² interval on g (1e-12: rounding in log/exp).
  const std::vector<double> g{1.7};
  const std::vector<double> k{6.0};
  const ConfidenceInterval ci = log_gain_sum_interval(g, k, 0.9);
  const ConfidenceInterval exact = chi_squared_scale_interval(1.7 * 6.0, 6.0, 0.9);
  EXPECT_NEAR(ci.lower, std::log(exact.lower), 1e-12);
  EXPECT_NEAR(ci.upper, std::log(exact.upper), 1e-12);
}

TEST(LogGainInterval, BiasCorrectionUsesDigamma) {
  // Ŝ = Σ log ĝ − Σ(ψ(k/2) + log 2 − log k); for k = 2: ψ(1) = −γ_Euler, so the correction is
  // −γ_E = −0.5772156649 per layer (1e-12: Boost digamma is accurate to a few ulps).
  const std::vector<double> g{1.0, 1.0, 1.0};
  const std::vector<double> k{2.0, 2.0, 2.0};
  const ConfidenceInterval ci = log_gain_sum_interval(g, k, 0.9);
  EXPECT_NEAR(ci.estimate, 3.0 * 0.57721566490153286, 1e-12);
  EXPECT_EQ(ci.n, 3U);
}

TEST(SampleMoments, MatchesTwoPassOnOffsetData) {
  // Data with a large offset (1e6) and unit spread: a naive Σx² − n·x̄² loses ~12 digits;
  // Welford/Terriberry agree with the two-pass values to 1e-8 relative (double rounding of the
  // offset inputs is ~1e-10 per value).
  rng::Engine engine(11);
  std::vector<double> xs(5000);
  rng::fill_normal(engine, std::span<double>(xs), 1e6, 1.0);
  SampleMoments m;
  m.add(std::span<const double>(xs));
  double mean = 0.0;
  for (double x : xs) mean += x;
  mean /= static_cast<double>(xs.size());
  double m2 = 0.0;
  double m4 = 0.0;
  for (double x : xs) {
    const double d = x - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  EXPECT_EQ(m.count(), xs.size());
  EXPECT_NEAR(m.mean(), mean, 1e-9 * mean);
  EXPECT_NEAR(m.sum_sq_dev(), m2, 1e-8 * m2);
  EXPECT_NEAR(m.sum_fourth_dev(), m4, 1e-8 * m4);
  EXPECT_NEAR(m.variance(), m2 / 4999.0, 1e-8 * m2 / 4999.0);
  EXPECT_NEAR(m.kurtosis(), 5000.0 * m4 / (m2 * m2), 1e-7);
}

TEST(ConfidenceSequence, BoundaryFormulaAndOptimalRho) {
  const NormalMixtureSequence cs(1.0, 0.05, 100.0);
  const double rho = cs.rho();
  // u(v) = √((v + ρ)·log((v + ρ)/(ρα²))) (1e-12: same arithmetic, different order).
  EXPECT_NEAR(cs.boundary(100.0),
              std::sqrt((100.0 + rho) * std::log((100.0 + rho) / (rho * 0.05 * 0.05))), 1e-12);
  // ρ* minimises u(100): perturbing it either way widens the boundary.
  const auto u = [](double v, double r) {
    return std::sqrt((v + r) * std::log((v + r) / (r * 0.0025)));
  };
  EXPECT_LT(u(100.0, rho), u(100.0, rho * 1.05));
  EXPECT_LT(u(100.0, rho), u(100.0, rho / 1.05));
  // ρ scales linearly with the target time.
  EXPECT_NEAR(normal_mixture_optimal_rho(200.0, 0.05), 2.0 * rho, 1e-9 * rho);
  // Bounded [0, 1] observations: σ = 1/2 and the interval is clipped to [0, 1].
  const NormalMixtureSequence b = NormalMixtureSequence::bounded(0.0, 1.0, 0.05, 100.0);
  const ConfidenceInterval ci = b.interval(0.0, 3);
  EXPECT_EQ(ci.lower, 0.0);
  EXPECT_LE(ci.upper, 1.0);
}

TEST(ErrorBudget, Arithmetic) {
  const ErrorBudget suite(1e-6);
  // 10 claims × 50 layers × 100 RapidCheck cases → 2e-11 each (1e-25: exact up to rounding).
  const ErrorBudget each = suite.split(10).split(50).split(100);
  EXPECT_NEAR(each.alpha(), 2e-11, 1e-25);
  EXPECT_NEAR(each.level(), 1.0 - 2e-11, 1e-16);
  EXPECT_DOUBLE_EQ(suite.share(0.25).alpha(), 2.5e-7);
  const std::vector<double> weights{1.0, 3.0};
  const std::vector<ErrorBudget> parts = suite.split(weights);
  ASSERT_EQ(parts.size(), 2U);
  EXPECT_DOUBLE_EQ(parts[0].alpha(), 2.5e-7);
  EXPECT_DOUBLE_EQ(parts[1].alpha(), 7.5e-7);
  EXPECT_THROW(ErrorBudget(0.0), std::invalid_argument);
  EXPECT_THROW(ErrorBudget(1.0), std::invalid_argument);
  EXPECT_THROW((void)suite.split(std::size_t{0}), std::invalid_argument);
  EXPECT_THROW((void)suite.share(1.5), std::invalid_argument);
}

TEST(Validation, InvalidArgumentsThrowInvalidArgument) {
  const std::vector<double> one{1.0};
  const std::vector<double> none{};
  EXPECT_THROW(second_moment_interval(1.0, 0, 0.9), std::invalid_argument);
  EXPECT_THROW(second_moment_interval(-1.0, 5, 0.9), std::invalid_argument);
  EXPECT_THROW(second_moment_interval(1.0, 5, 1.0), std::invalid_argument);
  EXPECT_THROW(second_moment_interval(1.0, 5, 0.0), std::invalid_argument);
  EXPECT_THROW(second_moment_interval(std::numeric_limits<double>::quiet_NaN(), 5, 0.9),
               std::invalid_argument);
  EXPECT_THROW(variance_interval(1.0, 1, 0.9), std::invalid_argument);
  EXPECT_THROW(second_moment_interval_declared_kurtosis(1.0, 5, 0.5, 0.9), std::invalid_argument);
  EXPECT_THROW(variance_interval_estimated_kurtosis(1.0, -1.0, 5, 0.9), std::invalid_argument);
  EXPECT_THROW(mean_interval(0.0, 1.0, 1, 0.9), std::invalid_argument);
  EXPECT_THROW(mean_interval(0.0, -1.0, 5, 0.9), std::invalid_argument);
  EXPECT_THROW(clopper_pearson_interval(0, 0, 0.9), std::invalid_argument);
  EXPECT_THROW(clopper_pearson_interval(6, 5, 0.9), std::invalid_argument);
  EXPECT_THROW(wilson_interval(1, 5, 1.5), std::invalid_argument);
  EXPECT_THROW(variance_ratio_interval(1.0, 3, 0.0, 3, 0.9), std::invalid_argument);
  EXPECT_THROW(weighted_chi_squared(one, none), std::invalid_argument);
  EXPECT_THROW(log_gain_sum_interval(none, none, 0.9), std::invalid_argument);
  EXPECT_THROW(log_gain_sum_interval(std::vector<double>{-1.0}, one, 0.9), std::invalid_argument);
  EXPECT_THROW(NormalMixtureSequence(0.0, 0.05, 10.0), std::invalid_argument);
  EXPECT_THROW((void)NormalMixtureSequence(1.0, 0.05, 10.0).interval(0.0, 0),
               std::invalid_argument);
  EXPECT_THROW(chi_squared_quantile(0.0, 0.5), std::invalid_argument);
  EXPECT_THROW(normal_quantile(1.0), std::invalid_argument);
  SampleMoments empty;
  EXPECT_THROW((void)empty.variance(), std::invalid_argument);
}

}  // namespace
}  // namespace initcheck::stats
