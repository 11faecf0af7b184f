#include "initcheck/theory/finite_width.hpp"

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "initcheck/core/error.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"
#include "test_schemes.hpp"

namespace initcheck::theory {
namespace {

/// z quantile for a two-sided α = 1e-9 check: Φ⁻¹(1 − 5e-10). Each Monte Carlo check below
/// uses a fixed seed, so it is deterministic; at α = 1e-9 a correct prediction would fail for
/// fewer than one seed in 10⁹, which is why the checks cannot be flaky.
constexpr double kZ = 6.1094;

/// Sample mean and its CI half-width (z·s/√N) of a set of draws.
struct MeanCi {
  double mean = 0.0;
  double half_width = 0.0;
  [[nodiscard]] bool contains(double x) const { return std::abs(x - mean) <= half_width; }
};

/// Records a CI in the test's XML output (--gtest_output=xml) for the report.
void record(const char* key, const MeanCi& ci) {
  ::testing::Test::RecordProperty(std::string(key) + "_mean", std::to_string(ci.mean));
  ::testing::Test::RecordProperty(std::string(key) + "_half_width", std::to_string(ci.half_width));
}

MeanCi mean_ci(const std::vector<double>& x) {
  double sum = 0.0;
  for (const double v : x) sum += v;
  const double n = static_cast<double>(x.size());
  const double mean = sum / n;
  double ss = 0.0;
  for (const double v : x) ss += (v - mean) * (v - mean);
  return {mean, kZ * std::sqrt(ss / (n - 1.0) / n)};
}

/// Draws one network per replicate, batch 1: returns the per-layer ratios M_l/M_{l−1}
/// (M = ‖h‖²/n) in `layer_ratios` and M_L/M_0 per network. Weights are N(0, 2/n_in) (He) or
/// U(±√(6/n_in)) (same variance, κ = 1.8); the input is N(0, I) or a fixed one-hot vector.
struct McResult {
  std::vector<double> net_ratio_sq;    ///< (M_L/M_0)² per network
  std::vector<double> layer_ratio_sq;  ///< (M_l/M_{l−1})² for every layer of every network
};

McResult simulate_relu_nets(const std::vector<std::int64_t>& widths, int nets, bool uniform,
                            bool one_hot_input, std::uint64_t seed) {
  rng::Engine master(seed);
  McResult r;
  for (int k = 0; k < nets; ++k) {
    rng::Engine e = master.split(static_cast<std::uint64_t>(k));
    Eigen::VectorXd h(widths[0]);
    if (one_hot_input) {
      h.setZero();
      h(0) = 2.0;
    } else {
      rng::fill_normal(e, std::span<double>(h.data(), static_cast<std::size_t>(h.size())));
    }
    const double m0 = h.squaredNorm() / static_cast<double>(h.size());
    double m_prev = m0;
    for (std::size_t l = 1; l < widths.size(); ++l) {
      const auto n_in = static_cast<double>(widths[l - 1]);
      Eigen::MatrixXd w(widths[l], widths[l - 1]);
      std::span<double> flat(w.data(), static_cast<std::size_t>(w.size()));
      if (uniform) {
        const double bound = std::sqrt(6.0 / n_in);
        for (double& x : flat) x = bound * (2.0 * rng::uniform01(e) - 1.0);
      } else {
        rng::fill_normal(e, flat, 0.0, std::sqrt(2.0 / n_in));
      }
      const Eigen::VectorXd z = w * h;
      h = z.cwiseMax(0.0);
      const double m = h.squaredNorm() / static_cast<double>(h.size());
      // R_l is defined (and iid) only given a live input; a dead layer (all units ≤ 0, chance
      // 2⁻ⁿ) zeroes the rest of the network, which the whole-network ratio keeps as 0.
      if (m_prev > 0.0) r.layer_ratio_sq.push_back((m / m_prev) * (m / m_prev));
      m_prev = m;
    }
    r.net_ratio_sq.push_back((m_prev / m0) * (m_prev / m0));
  }
  return r;
}

std::vector<double> gaussian_kurtosis(std::size_t depth) {
  return std::vector<double>(depth, 3.0);
}

TEST(FiniteWidth, GaussianReluReducesToHaninRolnick) {
  const std::vector<std::int64_t> widths{10, 16, 32, 24, 8};
  std::vector<double> var;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    var.push_back(2.0 / static_cast<double>(widths[l]));
  }
  const FiniteWidthPrediction p =
      predict_finite_width(widths, nn::Activation::parse("relu"), var, gaussian_kurtosis(4));
  const double hr = (1 + 5.0 / 16) * (1 + 5.0 / 32) * (1 + 5.0 / 24) * (1 + 5.0 / 8);
  EXPECT_NEAR(hanin_rolnick_ratio(widths), hr, 1e-14 * hr);
  EXPECT_NEAR(p.moment_ratio.back(), hr, 1e-14 * hr);
  EXPECT_NEAR(p.mean_gain, 1.0, 1e-15);
  EXPECT_NEAR(p.log_variance,
              std::log(1 + 5.0 / 16) + std::log(1 + 5.0 / 32) + std::log(1 + 5.0 / 24) +
                  std::log(1 + 5.0 / 8),
              1e-14);
  // Linear layers: χ²_n/n per layer → 1 + 2/n.
  const FiniteWidthPrediction lin =
      predict_finite_width(widths, nn::Activation::parse("linear"), var, gaussian_kurtosis(4));
  EXPECT_NEAR(lin.moment_ratio[0], 1 + 2.0 / 16, 1e-15);
  EXPECT_THROW(
      (void)predict_finite_width(widths, nn::Activation::parse("tanh"), var, gaussian_kurtosis(4)),
      InputError);
}

TEST(FiniteWidth, MonteCarloMatchesHaninRolnickAndRejectsFourOverN) {
  // 8000 He-initialized Gaussian ReLU nets, width 16, depth 8, batch 1, in double.
  const std::vector<std::int64_t> widths(9, 16);
  const McResult mc = simulate_relu_nets(widths, 8000, false, false, 20240601);

  // Whole network: E[(M_L/M_0)²] = Π(1 + 5/n_l) (calibration; the heavy tail of (M_L/M_0)²
  // makes this CI wide, so power is shown per layer below).
  const MeanCi net = mean_ci(mc.net_ratio_sq);
  record("net", net);
  EXPECT_TRUE(net.contains(hanin_rolnick_ratio(widths)))
      << net.mean << " ± " << net.half_width << " vs " << hanin_rolnick_ratio(widths);

  // Per layer: for Gaussian weights R_l = M_l/M_{l−1} are iid across layers and networks
  // (docs/statistics.md), so the 64000 values of R_l² estimate the per-layer factor 1 + 5/n.
  const MeanCi layer = mean_ci(mc.layer_ratio_sq);
  record("layer", layer);
  EXPECT_TRUE(layer.contains(1 + 5.0 / 16)) << layer.mean << " ± " << layer.half_width;
  // Power: the same check rejects a planted 4/n factor (0.0625 away; half-width ≈ 0.035).
  EXPECT_FALSE(layer.contains(1 + 4.0 / 16)) << layer.mean << " ± " << layer.half_width;
  EXPECT_LT(layer.half_width, 0.045);
}

TEST(FiniteWidth, KurtosisCorrectionMatchesUniformWeightsMonteCarlo) {
  // Uniform weights (κ = 1.8) fed a fixed one-hot input x = 2e₁ (sample kurtosis
  // b_0 = S_0/M_0² = n_0 = 4): the κ terms are large here, so the Gaussian-weight formula is
  // rejected while the general recursion is not.
  const std::vector<std::int64_t> widths{4, 8, 8};
  const McResult mc = simulate_relu_nets(widths, 100000, true, true, 77);
  const std::vector<double> var{2.0 / 4, 2.0 / 8};
  const std::vector<double> kurt{1.8, 1.8};
  const double predicted =
      predict_finite_width(widths, nn::Activation::parse("relu"), var, kurt, 4.0)
          .moment_ratio.back();
  const double gaussian_formula = hanin_rolnick_ratio(widths);
  const MeanCi net = mean_ci(mc.net_ratio_sq);
  record("uniform_net", net);
  ::testing::Test::RecordProperty("uniform_predicted", std::to_string(predicted));
  EXPECT_TRUE(net.contains(predicted))
      << net.mean << " ± " << net.half_width << " vs " << predicted;
  EXPECT_FALSE(net.contains(gaussian_formula))
      << net.mean << " ± " << net.half_width << " vs " << gaussian_formula;
}

TEST(FiniteWidth, DriftProbabilityLogNormal) {
  // s² = 0 and gain 1: never leaves; the probability grows with s² and with |log gain|.
  EXPECT_EQ(drift_probability(0.0, 1.0, 2.0), 0.0);
  const double s2 = 50.0 * std::log(1 + 5.0 / 256);  // width 256, depth 50 (README, "The claims")
  const double p = drift_probability(s2, 1.0, 2.0);
  EXPECT_GT(p, 0.01);  // "drifts beyond K = 2 in a noticeable fraction of networks"
  EXPECT_LT(p, 0.5);
  // Closed form: log R ~ N(−s²/2, s²), bounds ±2 ln 2.
  const double s = std::sqrt(s2);
  const auto cdf = [](double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); };
  EXPECT_NEAR(p, cdf((-2 * std::log(2.0) + s2 / 2) / s) + cdf((-s2 / 2 - 2 * std::log(2.0)) / s),
              1e-15);
  EXPECT_GT(drift_probability(s2, 4.0, 2.0), p);
  EXPECT_NEAR(drift_probability(1e-12, 100.0, 2.0), 1.0, 1e-12);
}

TEST(FiniteWidth, DriftProbabilityIsTotalOnValidConfigurations) {
  // Zero gain (`zeros`, or Π g_l underflowed): the signal vanishes, every network leaves.
  EXPECT_EQ(drift_probability(0.5, 0.0, 2.0), 1.0);
  EXPECT_EQ(drift_probability(0.0, 0.0, 2.0), 1.0);
  EXPECT_EQ(drift_probability(0.5, std::numeric_limits<double>::infinity(), 2.0), 1.0);
  EXPECT_EQ(drift_probability(std::numeric_limits<double>::infinity(), 1.0, 2.0), 1.0);
  EXPECT_THROW((void)drift_probability(std::nan(""), 1.0, 2.0), std::invalid_argument);
  EXPECT_THROW((void)drift_probability(0.5, -1.0, 2.0), std::invalid_argument);
  EXPECT_THROW((void)drift_probability(0.5, 1.0, 1.0), std::invalid_argument);
}

TEST(FiniteWidth, DeepNarrowChainsKeepAFiniteLogVariance) {
  // Gaussian ReLU: s² = Σ ln(1 + 5/n_l) exactly; 1500·ln(1.625) ≈ 728 > ln(DBL_MAX) ≈ 709.
  const std::vector<std::int64_t> widths(1501, 8);
  const std::vector<double> variance(1500, 2.0 / 8.0);
  const std::vector<double> gaussian(1500, 3.0);
  const nn::Activation relu = nn::Activation::parse("relu");
  const FiniteWidthPrediction p = predict_finite_width(widths, relu, variance, gaussian);
  EXPECT_NEAR(p.log_variance, 1500.0 * std::log(1.625), 1e-9 * p.log_variance);
  EXPECT_EQ(p.moment_ratio.back(), std::numeric_limits<double>::infinity());
  EXPECT_NEAR(p.moment_ratio[99], std::pow(1.625, 100), 1e-12 * std::pow(1.625, 100));
  // Uniform weights (κ = 1.8): the coupled (a, b) recursion stays finite too.
  const FiniteWidthPrediction u =
      predict_finite_width(widths, relu, variance, std::vector<double>(1500, 1.8));
  EXPECT_TRUE(std::isfinite(u.log_variance));
  EXPECT_LT(u.log_variance, p.log_variance);
  EXPECT_EQ(drift_probability(p.log_variance, p.mean_gain, 2.0), 1.0);
}

TEST(FiniteWidth, InputKurtosisIsCappedAtTheInputWidth) {
  // One input of width 1: b_0 = n·Σx⁴/(Σx²)² = 1 exactly, so with uniform weights (κ = 1.8)
  // E[M_1²]/E[M_1]² = r4·E[w⁴]/E[w²]² = 1.8·r4. The uncapped b_0 = 3 gave 3r4 − 3.6 < 0.
  const nn::Activation act = nn::Activation::parse("leaky_relu");
  const double a = 0.01;
  const double r4 = 0.5 * (1 + a * a * a * a) / std::pow(0.5 * (1 + a * a), 2);
  const std::vector<std::int64_t> widths{1, 1};
  const FiniteWidthPrediction p =
      predict_finite_width(widths, act, std::vector<double>{1.0 / 12}, std::vector<double>{1.8});
  EXPECT_NEAR(p.moment_ratio.back(), 1.8 * r4, 1e-12);
  EXPECT_GE(p.log_variance, 0.0);
  EXPECT_NO_THROW((void)drift_probability(p.log_variance, p.mean_gain, 2.0));
}

TEST(FiniteWidth, FromConfig) {
  model::NetworkConfig c;
  c.widths = model::constant_widths(32, 10);
  c.activation = nn::Activation::parse("relu");
  c.init = testing::scheme([](const FanInfo& f) { return 2.0 / testing::fan_in(f); });
  const FiniteWidthPrediction p = predict_finite_width(c);
  EXPECT_NEAR(p.moment_ratio.back(), std::pow(1 + 5.0 / 32, 10), 1e-12);
  EXPECT_NEAR(p.mean_gain, 1.0, 1e-14);
  c.norm = model::Norm::batchnorm;
  EXPECT_THROW((void)predict_finite_width(c), InputError);
}

}  // namespace
}  // namespace initcheck::theory
