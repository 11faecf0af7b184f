// Coverage of every interval procedure, by simulation under the model (initcheck::rng only).
// Each test simulates kDatasets datasets at level 0.9 (nominal miss rate 0.1) and judges the
// miss count with a Clopper–Pearson interval at α = 1e-9 (see coverage.hpp): calibration = the
// nominal rate is inside it (≤ nominal for conservative procedures); power = a planted bug
// (wrong dof, z for t, 30% too narrow, ignored weights/bias, ...) is outside it. With 4000
// datasets the α = 1e-9 band is about ±0.03 around 0.1, so every planted bug below misses
// ≥ 0.14 or ≤ 0.06 by construction. Seeds are fixed: the tests are deterministic; α says how
// unlikely a correct procedure is to fail for an arbitrary seed.

#include "coverage.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <span>
#include <vector>

#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"
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

using testing::Misses;

constexpr std::size_t kDatasets = 4000;
constexpr double kLevel = 0.9;
constexpr double kNominalMiss = 0.1;

/// Shrinks an interval's width by `factor` around its point estimate (a planted bug).
ConfidenceInterval narrowed(ConfidenceInterval ci, double factor) {
  ci.lower = ci.estimate - factor * (ci.estimate - ci.lower);
  ci.upper = ci.estimate + factor * (ci.upper - ci.estimate);
  return ci;
}

std::vector<double> normals(rng::Engine& engine, std::size_t n, double mean, double sd) {
  std::vector<double> xs(n);
  rng::fill_normal(engine, std::span<double>(xs), mean, sd);
  return xs;
}

SampleMoments moments_of(std::span<const double> xs) {
  SampleMoments m;
  m.add(xs);
  return m;
}

/// Runs kDatasets simulated datasets; `covered(engine)` simulates one and says whether the
/// procedure covered the truth. Each dataset gets its own child stream.
Misses simulate(std::uint64_t seed, const std::function<bool(rng::Engine&)>& covered) {
  const rng::Engine master(seed);
  Misses misses;
  for (std::size_t i = 0; i < kDatasets; ++i) {
    rng::Engine engine = master.split(i);
    misses.record(covered(engine));
  }
  return misses;
}

TEST(Coverage, SecondMomentKnownMean) {
  constexpr double kSigma2 = 2.5;
  const auto run = [&](double factor) {
    return simulate(101, [&](rng::Engine& e) {
      const SampleMoments m = moments_of(normals(e, 5, 0.0, std::sqrt(kSigma2)));
      return narrowed(second_moment_interval(m.sum_squares(), 5, kLevel), factor).contains(kSigma2);
    });
  };
  const Misses exact = run(1.0);
  EXPECT_TRUE(exact.consistent_with(kNominalMiss)) << exact.rate();
  const Misses narrow = run(0.7);  // power: a 30% too narrow interval
  EXPECT_FALSE(narrow.consistent_with(kNominalMiss)) << narrow.rate();
}

TEST(Coverage, VarianceUnknownMean) {
  constexpr double kSigma2 = 0.3;
  for (std::size_t n : {2U, 6U}) {
    const Misses exact = simulate(200 + n, [&](rng::Engine& e) {
      const SampleMoments m = moments_of(normals(e, n, 5.0, std::sqrt(kSigma2)));
      return variance_interval(m.sum_sq_dev(), n, kLevel).contains(kSigma2);
    });
    EXPECT_TRUE(exact.consistent_with(kNominalMiss)) << n << ": " << exact.rate();
  }
  // Power: χ²_n instead of χ²_{n−1} for n = 2 (expected miss rate ≈ 0.26).
  const Misses wrong_dof = simulate(202, [&](rng::Engine& e) {
    const SampleMoments m = moments_of(normals(e, 2, 5.0, std::sqrt(kSigma2)));
    return chi_squared_scale_interval(m.sum_sq_dev(), 2.0, kLevel).contains(kSigma2);
  });
  EXPECT_FALSE(wrong_dof.consistent_with(kNominalMiss)) << wrong_dof.rate();
}

/// Kurtosis of N(0, 1) truncated at ±c: E[x⁴] = 3E[x²] − 2c³φ(c)/Z, E[x²] = 1 − 2cφ(c)/Z,
/// Z = 2Φ(c) − 1 (integration by parts).
double truncated_normal_kurtosis(double c) {
  const double phi = std::exp(-0.5 * c * c) / std::sqrt(2.0 * std::numbers::pi);
  const double z = std::erf(c / std::sqrt(2.0));
  const double m2 = 1.0 - 2.0 * c * phi / z;
  const double m4 = 3.0 * m2 - 2.0 * c * c * c * phi / z;
  return m4 / (m2 * m2);
}

TEST(Coverage, KurtosisAwareSecondMomentUniformAndTruncated) {
  constexpr std::size_t kN = 100;
  // U(−b, b): E[x²] = b²/3, κ = 9/5.
  constexpr double kBound = 1.5;
  constexpr double kUniformM2 = kBound * kBound / 3.0;
  const auto uniform_moments = [&](rng::Engine& e) {
    std::vector<float> xs(kN);
    rng::fill_uniform(e, std::span<float>(xs), -kBound, kBound);
    SampleMoments m;
    m.add(std::span<const float>(xs));
    return m;
  };
  const Misses declared = simulate(301, [&](rng::Engine& e) {
    const SampleMoments m = uniform_moments(e);
    return second_moment_interval_declared_kurtosis(m.sum_squares(), kN, 1.8, kLevel)
        .contains(kUniformM2);
  });
  EXPECT_TRUE(declared.consistent_with(kNominalMiss)) << declared.rate();
  const Misses estimated = simulate(302, [&](rng::Engine& e) {
    const SampleMoments m = uniform_moments(e);
    return second_moment_interval_estimated_kurtosis(m.sum_squares(), m.sum_fourth_powers(), kN,
                                                     kLevel)
        .contains(kUniformM2);
  });
  EXPECT_TRUE(estimated.consistent_with(kNominalMiss)) << estimated.rate();
  // Power: the normal-theory χ²_n interval on uniform data over-covers (expected miss ≈ 0.02).
  const Misses normal_theory = simulate(303, [&](rng::Engine& e) {
    const SampleMoments m = uniform_moments(e);
    return second_moment_interval(m.sum_squares(), kN, kLevel).contains(kUniformM2);
  });
  EXPECT_FALSE(normal_theory.consistent_with(kNominalMiss)) << normal_theory.rate();

  // Truncated normal at ±2σ (σ = 0.8), κ declared from the closed form.
  constexpr double kSd = 0.8;
  const double kappa = truncated_normal_kurtosis(2.0);
  const double m2 =
      kSd * kSd *
      (1.0 - 4.0 * std::exp(-2.0) / std::sqrt(2.0 * std::numbers::pi) / std::erf(std::sqrt(2.0)));
  const Misses truncated = simulate(304, [&](rng::Engine& e) {
    std::vector<float> xs(kN);
    rng::fill_truncated_normal(e, std::span<float>(xs), kSd, 2.0);
    SampleMoments m;
    m.add(std::span<const float>(xs));
    return second_moment_interval_declared_kurtosis(m.sum_squares(), kN, kappa, kLevel)
        .contains(m2);
  });
  EXPECT_TRUE(truncated.consistent_with(kNominalMiss)) << truncated.rate();
}

TEST(Coverage, KurtosisAwareVarianceHeavyTails) {
  // x = 1 + z₁z₂ (z_i iid N(0,1)): variance 1, kurtosis 9, unknown mean. n = 400 so that the
  // estimated κ is usable (its sampling error is the O(1/√n) coverage error of this method).
  constexpr std::size_t kN = 400;
  const auto product_moments = [&](rng::Engine& e) {
    const std::vector<double> a = normals(e, kN, 0.0, 1.0);
    const std::vector<double> b = normals(e, kN, 0.0, 1.0);
    SampleMoments m;
    for (std::size_t i = 0; i < kN; ++i) m.add(1.0 + a[i] * b[i]);
    return m;
  };
  const Misses declared = simulate(401, [&](rng::Engine& e) {
    const SampleMoments m = product_moments(e);
    return variance_interval_declared_kurtosis(m.sum_sq_dev(), kN, 9.0, kLevel).contains(1.0);
  });
  EXPECT_TRUE(declared.consistent_with(kNominalMiss)) << declared.rate();
  // Power: the normal-theory χ²_{n−1} interval ignores the heavy tails (expected miss ≈ 0.45).
  const Misses normal_theory = simulate(402, [&](rng::Engine& e) {
    const SampleMoments m = product_moments(e);
    return variance_interval(m.sum_sq_dev(), kN, kLevel).contains(1.0);
  });
  EXPECT_FALSE(normal_theory.consistent_with(kNominalMiss)) << normal_theory.rate();
}

TEST(Coverage, KurtosisAwareVarianceEstimatedUniform) {
  constexpr std::size_t kN = 100;
  const double variance = 4.0 / 3.0;  // U(3 − 2, 3 + 2)
  const Misses estimated = simulate(501, [&](rng::Engine& e) {
    std::vector<float> xs(kN);
    rng::fill_uniform(e, std::span<float>(xs), 1.0, 5.0);
    SampleMoments m;
    m.add(std::span<const float>(xs));
    return variance_interval_estimated_kurtosis(m.sum_sq_dev(), m.sum_fourth_dev(), kN, kLevel)
        .contains(variance);
  });
  EXPECT_TRUE(estimated.consistent_with(kNominalMiss)) << estimated.rate();
}

/// θ·Σ w_i χ²_{k_i} drawn from normals.
double weighted_chi_squared_draw(rng::Engine& e, double theta, const std::vector<double>& w,
                                 const std::vector<double>& k) {
  double q = 0.0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const std::vector<double> z = normals(e, static_cast<std::size_t>(k[i]), 0.0, 1.0);
    double s = 0.0;
    for (double x : z) s += x * x;
    q += w[i] * s;
  }
  return theta * q;
}

TEST(Coverage, WeightedChiSquaredSatterthwaite) {
  constexpr double kTheta = 0.7;
  // Moderately unequal weights: Satterthwaite (ν ≈ 13.9) is calibrated.
  const std::vector<double> w1{1.0, 2.0, 3.0};
  const std::vector<double> k1{10.0, 5.0, 3.0};
  const WeightedChiSquared q1 = weighted_chi_squared(w1, k1);
  const Misses moderate = simulate(601, [&](rng::Engine& e) {
    return weighted_chi_squared_scale_interval(weighted_chi_squared_draw(e, kTheta, w1, k1), q1,
                                               kLevel)
        .contains(kTheta);
  });
  EXPECT_TRUE(moderate.consistent_with(kNominalMiss)) << q1.dof << ": " << moderate.rate();
  // A heavy low-dof term (10·χ²_2 next to χ²_20, ν ≈ 7.3): the two-moment match is only
  // approximate in the tails. Measured miss rate ≈ 0.065 (conservative); assert ≤ nominal.
  const std::vector<double> w{1.0, 10.0};
  const std::vector<double> k{20.0, 2.0};
  const WeightedChiSquared q = weighted_chi_squared(w, k);
  const Misses skewed = simulate(602, [&](rng::Engine& e) {
    return weighted_chi_squared_scale_interval(weighted_chi_squared_draw(e, kTheta, w, k), q,
                                               kLevel)
        .contains(kTheta);
  });
  EXPECT_TRUE(skewed.at_most(kNominalMiss)) << q.dof << ": " << skewed.rate();
  // Power: matching only the mean (ν = Σk = 22, scale mean/22) pretends Q is far less
  // variable than it is.
  const Misses mean_only = simulate(603, [&](rng::Engine& e) {
    const double obs = weighted_chi_squared_draw(e, kTheta, w, k);
    return chi_squared_scale_interval(obs * 22.0 / q.mean, 22.0, kLevel).contains(kTheta);
  });
  EXPECT_FALSE(mean_only.consistent_with(kNominalMiss)) << mean_only.rate();
}

TEST(Coverage, VarianceRatioF) {
  constexpr double kS1 = 2.0;
  constexpr double kS2 = 0.5;
  const auto run = [&](std::uint64_t seed, std::size_t n1, std::size_t n2, double dof_shift) {
    return simulate(seed, [&](rng::Engine& e) {
      const SampleMoments a = moments_of(normals(e, n1, 1.0, std::sqrt(kS1)));
      const SampleMoments b = moments_of(normals(e, n2, -1.0, std::sqrt(kS2)));
      const double d1 = static_cast<double>(n1 - 1) + dof_shift;
      const double d2 = static_cast<double>(n2 - 1) + dof_shift;
      return variance_ratio_interval(a.sum_sq_dev() / d1, d1, b.sum_sq_dev() / d2, d2, kLevel)
          .contains(kS1 / kS2);
    });
  };
  const Misses exact = run(701, 5, 8, 0.0);
  EXPECT_TRUE(exact.consistent_with(kNominalMiss)) << exact.rate();
  const Misses wrong_dof = run(702, 2, 2, 1.0);  // power: n instead of n − 1 (expected ≈ 0.29)
  EXPECT_FALSE(wrong_dof.consistent_with(kNominalMiss)) << wrong_dof.rate();
}

TEST(Coverage, MeanTAndZ) {
  constexpr double kMu = -0.4;
  const Misses t = simulate(801, [&](rng::Engine& e) {
    const SampleMoments m = moments_of(normals(e, 3, kMu, 2.0));
    return mean_interval(m.mean(), m.variance(), 3, kLevel).contains(kMu);
  });
  EXPECT_TRUE(t.consistent_with(kNominalMiss)) << t.rate();
  const Misses z = simulate(802, [&](rng::Engine& e) {
    const SampleMoments m = moments_of(normals(e, 4, kMu, 2.0));
    return mean_interval_known_sigma(m.mean(), 2.0, 4, kLevel).contains(kMu);
  });
  EXPECT_TRUE(z.consistent_with(kNominalMiss)) << z.rate();
  // Power: z quantile with the estimated s at n = 3 instead of t₂ (expected miss ≈ 0.24).
  const Misses z_for_t = simulate(803, [&](rng::Engine& e) {
    const SampleMoments m = moments_of(normals(e, 3, kMu, 2.0));
    return mean_interval_known_sigma(m.mean(), std::sqrt(m.variance()), 3, kLevel).contains(kMu);
  });
  EXPECT_FALSE(z_for_t.consistent_with(kNominalMiss)) << z_for_t.rate();
}

std::size_t binomial_draw(rng::Engine& e, std::size_t n, double p) {
  std::size_t x = 0;
  for (std::size_t i = 0; i < n; ++i) x += rng::uniform01(e) < p ? 1U : 0U;
  return x;
}

/// Exact coverage Σ_x P(X = x)·[p ∈ CI(x)] by summing the binomial pmf (lgamma; 1e-12 accurate).
template <typename Interval>
double exact_coverage(std::size_t n, double p, Interval interval) {
  double coverage = 0.0;
  const auto dn = static_cast<double>(n);
  for (std::size_t x = 0; x <= n; ++x) {
    const auto dx = static_cast<double>(x);
    const double log_pmf = std::lgamma(dn + 1.0) - std::lgamma(dx + 1.0) -
                           std::lgamma(dn - dx + 1.0) + dx * std::log(p) +
                           (dn - dx) * std::log1p(-p);
    if (interval(x, n).contains(p)) coverage += std::exp(log_pmf);
  }
  return coverage;
}

TEST(Coverage, ClopperPearsonIsConservativeExactly) {
  // Exact, not simulated: coverage ≥ level at every p of a grid (a theorem for CP; the 1e-12
  // slack absorbs pmf rounding). Power: the Wald interval p̂ ± z√(p̂(1−p̂)/n) falls far below.
  const auto cp = [](std::size_t x, std::size_t n) {
    return clopper_pearson_interval(x, n, kLevel);
  };
  const auto wald = [](std::size_t x, std::size_t n) {
    const double p = static_cast<double>(x) / static_cast<double>(n);
    const double half = normal_quantile(0.95) * std::sqrt(p * (1.0 - p) / static_cast<double>(n));
    return ConfidenceInterval{p - half, p + half, p, kLevel, n};
  };
  double worst_wald = 1.0;
  for (std::size_t n : {5U, 20U, 60U}) {
    for (double p = 0.01; p < 1.0; p += 0.0245) {
      EXPECT_GE(exact_coverage(n, p, cp), kLevel - 1e-12) << n << ' ' << p;
      worst_wald = std::min(worst_wald, exact_coverage(n, p, wald));
    }
  }
  EXPECT_LT(worst_wald, 0.5);
}

TEST(Coverage, ProportionSimulated) {
  // Discrete intervals do not have coverage exactly equal to the level, so the simulated miss
  // rate is compared with each procedure's EXACT miss rate at (n, p) (pmf sum): this checks the
  // implementation end to end with a rigorous α = 1e-9.
  constexpr std::size_t kN = 40;
  constexpr double kP = 0.3;
  const auto cp = [](std::size_t x, std::size_t n) {
    return clopper_pearson_interval(x, n, kLevel);
  };
  const auto wilson = [](std::size_t x, std::size_t n) { return wilson_interval(x, n, kLevel); };
  const Misses cp_sim =
      simulate(901, [&](rng::Engine& e) { return cp(binomial_draw(e, kN, kP), kN).contains(kP); });
  EXPECT_TRUE(cp_sim.at_most(kNominalMiss)) << cp_sim.rate();  // conservative by construction
  EXPECT_TRUE(cp_sim.consistent_with(1.0 - exact_coverage(kN, kP, cp))) << cp_sim.rate();
  const Misses wilson_sim = simulate(
      902, [&](rng::Engine& e) { return wilson(binomial_draw(e, kN, kP), kN).contains(kP); });
  const double wilson_exact_miss = 1.0 - exact_coverage(kN, kP, wilson);
  EXPECT_TRUE(wilson_sim.consistent_with(wilson_exact_miss))
      << wilson_sim.rate() << " vs " << wilson_exact_miss;
  // Wilson's coverage oscillates around the level (Brown, Cai & DasGupta 2001) but stays near
  // it (within ±0.05) for n = 40, p ∈ [0.1, 0.9] (deterministic: exact pmf sums; measured
  // range [0.866, 0.943]).
  for (double p = 0.1; p <= 0.9; p += 0.01) {
    const double coverage = exact_coverage(kN, p, wilson);
    EXPECT_GT(coverage, kLevel - 0.05) << p;
    EXPECT_LT(coverage, kLevel + 0.05) << p;
  }
  // Power: a Wilson interval 30% too narrow.
  const Misses narrow = simulate(903, [&](rng::Engine& e) {
    return narrowed(wilson(binomial_draw(e, kN, kP), kN), 0.7).contains(kP);
  });
  EXPECT_FALSE(narrow.consistent_with(wilson_exact_miss)) << narrow.rate();
  EXPECT_FALSE(narrow.consistent_with(kNominalMiss)) << narrow.rate();
}

/// Per-layer gain estimates ĝ_l = g_l·χ²_{k_l}/k_l.
std::vector<double> gain_estimates(rng::Engine& e, const std::vector<double>& g,
                                   const std::vector<double>& k) {
  std::vector<double> out(g.size());
  for (std::size_t l = 0; l < g.size(); ++l) {
    const std::vector<double> z = normals(e, static_cast<std::size_t>(k[l]), 0.0, 1.0);
    double s = 0.0;
    for (double x : z) s += x * x;
    out[l] = g[l] * s / k[l];
  }
  return out;
}

double log_sum(const std::vector<double>& g) {
  double s = 0.0;
  for (double x : g) s += std::log(x);
  return s;
}

TEST(Coverage, LogGainSum) {
  const std::vector<double> g{1.3, 0.7, 1.0, 2.0, 0.5, 1.1};
  const std::vector<double> k{2.0, 3.0, 4.0, 8.0, 16.0, 5.0};
  const double truth = log_sum(g);
  const Misses saddlepoint = simulate(1001, [&](rng::Engine& e) {
    return log_gain_sum_interval(gain_estimates(e, g, k), k, kLevel).contains(truth);
  });
  EXPECT_TRUE(saddlepoint.consistent_with(kNominalMiss)) << saddlepoint.rate();
  // Power: treating Σ log ĝ as unbiased with delta-method variance Σ 2/k (ignores the
  // ψ(k/2) + log 2 − log k bias, ≈ −1.6 here; expected miss ≈ 0.29).
  const Misses naive = simulate(1002, [&](rng::Engine& e) {
    const std::vector<double> est = gain_estimates(e, g, k);
    double var = 0.0;
    for (double kk : k) var += 2.0 / kk;
    const double half = normal_quantile(0.95) * std::sqrt(var);
    return std::abs(log_sum(est) - truth) <= half;
  });
  EXPECT_FALSE(naive.consistent_with(kNominalMiss)) << naive.rate();
  // Many wide layers (k = 64, 40 layers): nearly normal, must stay calibrated.
  const std::vector<double> g40(40, 1.02);
  const std::vector<double> k40(40, 64.0);
  const Misses deep = simulate(1003, [&](rng::Engine& e) {
    return log_gain_sum_interval(gain_estimates(e, g40, k40), k40, kLevel).contains(log_sum(g40));
  });
  EXPECT_TRUE(deep.consistent_with(kNominalMiss)) << deep.rate();
}

TEST(Coverage, LogGainSumSingleLayerAndTinyDofs) {
  // One layer (exact χ²) is calibrated; so is the saddlepoint interval for two very skewed χ²_1
  // layers (the old Cornish–Fisher term could not handle them).
  const std::vector<double> g1{0.8};
  const std::vector<double> k1{3.0};
  const Misses single = simulate(1101, [&](rng::Engine& e) {
    return log_gain_sum_interval(gain_estimates(e, g1, k1), k1, kLevel).contains(std::log(0.8));
  });
  EXPECT_TRUE(single.consistent_with(kNominalMiss)) << single.rate();
  const std::vector<double> g2{1.5, 0.9};
  const std::vector<double> k2{1.0, 1.0};
  const Misses tiny = simulate(1102, [&](rng::Engine& e) {
    return log_gain_sum_interval(gain_estimates(e, g2, k2), k2, kLevel).contains(log_sum(g2));
  });
  EXPECT_TRUE(tiny.consistent_with(kNominalMiss)) << tiny.rate();
}

}  // namespace
}  // namespace initcheck::stats
