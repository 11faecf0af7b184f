// Sample-size round trips: the returned size achieves the requested power and one less does
// not, checked by the exact distributions (χ² CDF; binomial pmf summed with lgamma), plus one
// end-to-end Monte Carlo check that the predicted verdict probability is what decide() yields.

#include "initcheck/stats/sample_size.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "coverage.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"
#include "initcheck/stats/proportion_interval.hpp"
#include "initcheck/stats/quantiles.hpp"
#include "initcheck/stats/variance_interval.hpp"
#include "initcheck/stats/verdict.hpp"

namespace initcheck::stats {
namespace {

/// P(holds) for T ~ ρχ²_ν, recomputed independently of sample_size.cpp from the quantile API.
double holds_probability(double dof, double ratio, const ToleranceBand& band, double alpha) {
  const double q_lo = chi_squared_quantile(dof, alpha / 2.0);
  const double q_hi = chi_squared_quantile(dof, 1.0 - alpha / 2.0);
  return std::max(0.0, chi_squared_cdf(dof, band.hi * q_lo / ratio) -
                           chi_squared_cdf(dof, band.lo * q_hi / ratio));
}

double violated_probability(double dof, double ratio, const ToleranceBand& band, double alpha) {
  const double q_lo = chi_squared_quantile(dof, alpha / 2.0);
  const double q_hi = chi_squared_quantile(dof, 1.0 - alpha / 2.0);
  return chi_squared_cdf(dof, band.lo * q_lo / ratio) + 1.0 -
         chi_squared_cdf(dof, band.hi * q_hi / ratio);
}

TEST(SampleSize, VarianceCheckRoundTripInsideBand) {
  const ToleranceBand band{0.25, 4.0};  // K = 2
  for (const double ratio : {1.0, 2.0, 0.4}) {
    for (const double alpha : {1e-3, 1e-9}) {
      const std::size_t dof = variance_check_dof(ratio, band, alpha, 0.01);
      const auto d = static_cast<double>(dof);
      EXPECT_GE(holds_probability(d, ratio, band, alpha), 0.99) << ratio << ' ' << alpha;
      EXPECT_LT(holds_probability(d - 1.0, ratio, band, alpha), 0.99) << ratio << ' ' << alpha;
    }
  }
  // Closer to the boundary needs more units.
  EXPECT_GT(variance_check_dof(3.0, band, 1e-3, 0.01), variance_check_dof(2.0, band, 1e-3, 0.01));
}

TEST(SampleSize, VarianceCheckRoundTripOutsideBand) {
  const ToleranceBand band{0.25, 4.0};
  for (const double ratio : {6.0, 0.1}) {
    const std::size_t dof = variance_check_dof(ratio, band, 1e-6, 0.05);
    const auto d = static_cast<double>(dof);
    EXPECT_GE(violated_probability(d, ratio, band, 1e-6), 0.95) << ratio;
    EXPECT_LT(violated_probability(d - 1.0, ratio, band, 1e-6), 0.95) << ratio;
  }
  EXPECT_THROW((void)variance_check_dof(4.0, band, 1e-3, 0.1), std::invalid_argument);
}

TEST(SampleSize, VerdictProbabilitiesMatchSimulatedDecisions) {
  // T = ρ·Σ_{i≤ν} z_i², decide(chi_squared_scale_interval(T, ν, 1 − α), band) 4000 times; the
  // holds count must be consistent with the predicted probability (Clopper–Pearson, α = 1e-9).
  const ToleranceBand band{0.25, 4.0};
  constexpr double kRatio = 2.5;
  constexpr double kAlpha = 1e-3;
  constexpr std::size_t kDof = 120;  // P(holds) ≈ 0.54
  const VerdictProbabilities p = variance_verdict_probabilities(kDof, kRatio, band, kAlpha);
  EXPECT_NEAR(p.holds + p.violated + p.inconclusive, 1.0, 1e-12);
  EXPECT_GT(p.holds, 0.2);  // a case where all verdicts are uncertain, so the check has teeth
  EXPECT_LT(p.holds, 0.8);
  const rng::Engine master(77);
  testing::Misses not_holds;
  for (std::size_t i = 0; i < 4000; ++i) {
    rng::Engine e = master.split(i);
    double t = 0.0;
    for (std::size_t j = 0; j < kDof; ++j) {
      const double z = rng::standard_normal(e);
      t += z * z;
    }
    const Verdict v = decide(chi_squared_scale_interval(kRatio * t, kDof, 1.0 - kAlpha), band);
    not_holds.record(v == Verdict::holds);
  }
  EXPECT_TRUE(not_holds.consistent_with(1.0 - p.holds))
      << not_holds.rate() << " vs " << 1.0 - p.holds;
}

/// P(CP upper bound ≤ δ) recomputed from scratch: scan x, sum the binomial pmf.
double cp_holds_probability(std::size_t n, double p, double delta, double alpha) {
  double prob = 0.0;
  const auto dn = static_cast<double>(n);
  for (std::size_t x = 0; x <= n; ++x) {
    if (clopper_pearson_interval(x, n, 1.0 - alpha).upper > delta) break;
    const auto dx = static_cast<double>(x);
    prob += std::exp(std::lgamma(dn + 1.0) - std::lgamma(dx + 1.0) - std::lgamma(dn - dx + 1.0) +
                     dx * std::log(p) + (dn - dx) * std::log1p(-p));
  }
  return prob;
}

TEST(SampleSize, ProportionTrialsRoundTrip) {
  // δ = 0.01 (the drift claim's default), true p = δ/2: how many replicates until the CP upper
  // bound lands below δ with probability 0.9. Tolerance 1e-9 on the comparison with the
  // independent pmf sum (lgamma rounding ~1e-12 per term).
  for (const double alpha : {1e-3, 1e-6}) {
    const std::size_t n = proportion_check_trials(0.005, 0.01, alpha, 0.1);
    EXPECT_GE(cp_holds_probability(n, 0.005, 0.01, alpha), 0.9 - 1e-9) << alpha;
    EXPECT_LT(cp_holds_probability(n - 1, 0.005, 0.01, alpha), 0.9) << alpha;
    EXPECT_NEAR(proportion_holds_probability(n, 0.005, 0.01, alpha),
                cp_holds_probability(n, 0.005, 0.01, alpha), 1e-9);
  }
  // p = 0: all that is needed is 1 − (α/2)^{1/n} ≤ δ, i.e. n ≥ log(α/2)/log(1 − δ).
  const std::size_t n0 = proportion_check_trials(0.0, 0.01, 1e-3, 0.1);
  EXPECT_EQ(n0, static_cast<std::size_t>(std::ceil(std::log(5e-4) / std::log(0.99))));
}

}  // namespace
}  // namespace initcheck::stats
