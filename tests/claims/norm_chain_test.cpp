#include "initcheck/claims/detail/norm_chain.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "check_helpers.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/engine/replicates.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"
#include "initcheck/stats/quantiles.hpp"
#include "initcheck/theory/finite_width.hpp"
#include "initcheck/theory/trajectory.hpp"

// The exact norm chain of `drift` (claims/detail/norm_chain.hpp).
// Statistical assertions: level α = 1e-9 each, fixed seeds (each run draws the same numbers, so
// a passing test cannot turn flaky). Verdict assertions use the claims tests' family level
// kTestAlpha = 1e-9 (check_helpers.hpp).

namespace initcheck::claims::detail {
namespace {

using claims::testing::kTestAlpha;
using claims::testing::mlp;
using stats::Verdict;

constexpr double kAlpha = 1e-9;

model::NetworkConfig config_of(const std::string& init, const std::string& activation, int depth,
                               std::int64_t width) {
  return make_network_config(mlp(init, activation, depth, width));
}

// ---- applicability ---------------------------------------------------------------------------

TEST(NormChain, AppliesToGaussianHomogeneousMlpsOnly) {
  EXPECT_TRUE(norm_chain_applies(config_of("kaiming_normal", "relu", 10, 256)));
  EXPECT_TRUE(norm_chain_applies(config_of("kaiming_normal(a=0.2)", "leaky_relu(0.2)", 3, 8)));
  EXPECT_TRUE(norm_chain_applies(config_of("xavier_normal", "linear", 3, 8)));
  EXPECT_TRUE(norm_chain_applies(config_of("normal(std=0.1)", "relu", 3, 8)));
  EXPECT_TRUE(drift_uses_norm_chain(config_of("xavier_normal", "relu", 3, 8)));
  // lecun_normal is JAX's normal truncated at ±2σ (bounded support, kurtosis ≈ 2.37).
  for (const char* init : {"kaiming_uniform", "orthogonal", "truncated_normal(sigma=0.1)",
                           "lecun_normal", "torch_default", "normal(mean=0.1, std=0.1)"}) {
    EXPECT_FALSE(norm_chain_applies(config_of(init, "relu", 3, 8))) << init;
  }
  EXPECT_FALSE(norm_chain_applies(config_of("kaiming_normal", "tanh", 3, 8)));
  CheckRequest bn = mlp("kaiming_normal", "relu", 3, 8);
  bn.norm = "batchnorm";
  EXPECT_FALSE(norm_chain_applies(make_network_config(bn)));
  CheckRequest half = mlp("kaiming_normal", "relu", 3, 8);
  half.precision = "bf16";
  EXPECT_FALSE(norm_chain_applies(make_network_config(half)));
  CheckRequest res = mlp("kaiming_normal", "relu", 3, 8);
  res.arch = "resnet";
  EXPECT_FALSE(norm_chain_applies(make_network_config(res)));
  EXPECT_THROW(make_norm_chain(make_network_config(res)), InputError);
}

// ---- determinism -----------------------------------------------------------------------------

TEST(NormChain, PureFunctionOfSeedAndIndexWhateverTheThreads) {
  const NormChain chain = make_norm_chain(config_of("kaiming_normal", "relu", 7, 33));
  std::vector<double> one(5000);
  std::vector<double> three(5000);
  sample_norm_chain(chain, 9, 0, one, 1);
  sample_norm_chain(chain, 9, 0, three, 3);
  EXPECT_EQ(one, three);
  std::vector<double> tail(1000);
  sample_norm_chain(chain, 9, 4000, tail, 2);
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), one.begin() + 4000));
  EXPECT_EQ(norm_chain_log_std_ratio(chain, 9, 17), one[17]);
  EXPECT_NE(norm_chain_log_std_ratio(chain, 10, 17), one[17]);
}

// ---- (a) calibration against the exact moments -----------------------------------------------
//
// X_l = χ²_B + a²·χ²_{n−B}, B ~ Bin(n, ½), is independent of the past, so with
// R = M_L/M_0 = Π s_l·X_l (s_l = σ_l²·n_{l−1}/n_l): E[Rᵏ] = Π_l s_lᵏ·E[X_lᵏ] exactly, with
// E[X^k | B] = Σ_i C(k, i)·a^{2(k−i)}·E[(χ²_B)ⁱ]·E[(χ²_{n−B})^{k−i}] and E[(χ²_m)ⁱ] =
// Π_{j<i}(m+2j). (The chain's log R has no finite exact mean for relu — B = 0 has probability 2⁻ⁿ —
// so the calibration is on R and R², the quantities of the finite-width theory.)

double chi2_moment(double m, int i) {
  double p = 1.0;
  for (int j = 0; j < i; ++j) p *= m + 2.0 * j;
  return p;
}

/// E[Xᵏ] for one layer of width n, negative slope² a2 (linear: a2 = 1, same law as χ²_n).
double layer_moment(std::uint64_t n, double a2, int k) {
  double total = 0.0;
  double pmf = std::ldexp(1.0, -static_cast<int>(n));  // P(B = 0), n ≤ 1000 here
  for (std::uint64_t b = 0; b <= n; ++b) {
    double given = 0.0;
    double binom = 1.0;  // C(k, i)
    for (int i = 0; i <= k; ++i) {
      given += binom * std::pow(a2, k - i) * chi2_moment(static_cast<double>(b), i) *
               chi2_moment(static_cast<double>(n - b), k - i);
      binom = binom * (k - i) / (i + 1);
    }
    total += pmf * given;
    pmf = pmf * static_cast<double>(n - b) / static_cast<double>(b + 1);
  }
  return total;
}

/// E[Rᵏ] of the chain.
double chain_moment(const NormChain& chain, int k) {
  const double a2 = chain.linear ? 1.0 : chain.slope_sq;
  double m = 1.0;
  for (std::size_t l = 0; l < chain.widths.size(); ++l) {
    m *= std::pow(chain.scale[l], k) * layer_moment(chain.widths[l], a2, k);
  }
  return m;
}

struct Calibration {
  model::NetworkConfig config;
  std::uint64_t seed;
};

TEST(NormChainCalibration, ExactMomentsAgreeWithTheFiniteWidthTheory) {
  // Two exact routes to E[R] = Π g_l and E[R²]/E[R]² (= Π(1 + 5/n_l) for Gaussian ReLU):
  // the chain's moment products and theory::predict_finite_width's recursion. They agree to
  // rounding (≈ 1e-15 per layer; 1e-12 leaves room for the binomial sums).
  CheckRequest shrinking = mlp("normal(std=0.2)", "relu", 0, 0);
  shrinking.widths = {32, 64, 16, 48};
  for (const model::NetworkConfig& config :
       {config_of("kaiming_normal", "relu", 5, 64), make_network_config(shrinking),
        config_of("kaiming_normal(a=0.2)", "leaky_relu(0.2)", 4, 32),
        config_of("xavier_normal", "linear", 4, 16)}) {
    const NormChain chain = make_norm_chain(config);
    const theory::FiniteWidthPrediction p = theory::predict_finite_width(config);
    const double m1 = chain_moment(chain, 1);
    const double m2 = chain_moment(chain, 2);
    EXPECT_NEAR(m1 / p.mean_gain, 1.0, 1e-12);
    EXPECT_NEAR(m2 / (m1 * m1) / p.moment_ratio.back(), 1.0, 1e-12);
  }
  EXPECT_NEAR(chain_moment(make_norm_chain(config_of("kaiming_normal", "relu", 5, 64)), 2),
              std::pow(1.0 + 5.0 / 64.0, 5), 1e-12);
}

/// z bound for a mean of N iid terms with exact mean, variance and skewness γ, taken at 1e-11:
/// with γ/√N ≤ 0.05 (asserted) the first Edgeworth term φ(z)·(γ/(6√N))·(z² − 1) changes the
/// tail at z ≈ 6.7 by a factor ≤ 1 + z(z² − 1)·0.05/6 ≈ 3.5, inside the factor 100 between
/// 1e-11 and α = 1e-9.
double checked_z(double skewness, double n) {
  EXPECT_LE(std::abs(skewness) / std::sqrt(n), 0.05) << "too skewed for the normal bound";
  return stats::normal_quantile(1.0 - 1e-11 / 2.0);
}

/// Skewness of a variable from its raw moments m1..m3.
double skewness(double m1, double m2, double m3) {
  const double var = m2 - m1 * m1;
  return (m3 - 3.0 * m1 * var - m1 * m1 * m1) / std::pow(var, 1.5);
}

TEST(NormChainCalibration, SampleMomentsMatchTheExactOnes) {
  CheckRequest shrinking = mlp("normal(std=0.2)", "relu", 0, 0);
  shrinking.widths = {32, 64, 16, 48};
  const std::vector<Calibration> cases = {
      {config_of("kaiming_normal", "relu", 5, 64), 101},
      {make_network_config(shrinking), 102},
      {config_of("kaiming_normal(a=0.2)", "leaky_relu(0.2)", 4, 32), 103},
      {config_of("xavier_normal", "linear", 4, 16), 104},
  };
  constexpr std::size_t kN = std::size_t{1} << 19U;
  const auto n = static_cast<double>(kN);
  for (const Calibration& c : cases) {
    const NormChain chain = make_norm_chain(c.config);
    std::vector<double> x(kN);
    sample_norm_chain(chain, c.seed, 0, x, 2);
    double s1 = 0.0;
    double s2 = 0.0;
    for (const double v : x) {
      const double r = std::exp(2.0 * v);  // R = M_L/M_0 (0 for −inf)
      s1 += r;
      s2 += r * r;
    }
    std::array<double, 7> m{};
    for (int k = 1; k <= 6; ++k) m[static_cast<std::size_t>(k)] = chain_moment(chain, k);
    // E[R]: variance m2 − m1², skewness from m1..m3 (α = 1e-9, two-sided).
    const double z1 = checked_z(skewness(m[1], m[2], m[3]), n);
    EXPECT_LE(std::abs(s1 / n - m[1]), z1 * std::sqrt((m[2] - m[1] * m[1]) / n))
        << c.config.activation.name() << " mean " << s1 / n << " vs " << m[1];
    // E[R²]: T = R², variance m4 − m2², skewness from m2, m4, m6 (α = 1e-9, two-sided).
    const double z2 = checked_z(skewness(m[2], m[4], m[6]), n);
    EXPECT_LE(std::abs(s2 / n - m[2]), z2 * std::sqrt((m[4] - m[2] * m[2]) / n))
        << c.config.activation.name() << " second moment " << s2 / n << " vs " << m[2];
  }
}

// Power: the same moment check with a chain built at the wrong shape — χ²_{B+1} (a sign count
// off by one) raises E[X] from n/2 to n/2 + 1 per layer: E[R] moves by (1 + 2/64)⁵ − 1 ≈ 17 %,
// ≈ 60 standard errors at N = 2¹⁹ (CV of R ≈ 0.7).
TEST(NormChainCalibrationPower, SignCountOffByOneIsRejected) {
  const NormChain chain = make_norm_chain(config_of("kaiming_normal", "relu", 5, 64));
  constexpr std::size_t kN = std::size_t{1} << 19U;
  double s1 = 0.0;
  for (std::size_t i = 0; i < kN; ++i) {
    rng::Engine e = rng::Engine(105).split(i);
    double r = 1.0;
    for (std::size_t l = 0; l < chain.widths.size(); ++l) {
      const std::uint64_t b = rng::binomial_half(e, chain.widths[l]) + 1;  // planted bug
      r *= chain.scale[l] * rng::chi_squared(e, static_cast<double>(b));
    }
    s1 += r;
  }
  const auto n = static_cast<double>(kN);
  const double m1 = chain_moment(chain, 1);
  const double m2 = chain_moment(chain, 2);
  const double z = stats::normal_quantile(1.0 - 1e-11 / 2.0);
  EXPECT_GT(std::abs(s1 / n - m1), z * std::sqrt((m2 - m1 * m1) / n));
}

// ---- (b) the chain and the engine agree in distribution ----------------------------------------
//
// Two-sample Kolmogorov–Smirnov with the exact DKW–Massart bound: each empirical CDF lies
// within ε_i = √(ln(4/α)/(2n_i)) of the true one with probability ≥ 1 − α/2 (for every law,
// atoms included), so sup|F_chain − F_engine| ≤ ε_chain + ε_engine with probability ≥ 1 − α.

double ks_two_sample(std::vector<double> a, std::vector<double> b) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  std::size_t i = 0;
  std::size_t j = 0;
  double d = 0.0;
  while (i < a.size() || j < b.size()) {
    const double t = j == b.size() || (i < a.size() && a[i] <= b[j]) ? a[i] : b[j];
    while (i < a.size() && a[i] <= t) ++i;
    while (j < b.size() && b[j] <= t) ++j;
    d = std::max(d, std::abs(static_cast<double>(i) / static_cast<double>(a.size()) -
                             static_cast<double>(j) / static_cast<double>(b.size())));
  }
  return d;
}

double dkw_epsilon(std::size_t n) {
  return std::sqrt(std::log(4.0 / kAlpha) / (2.0 * static_cast<double>(n)));
}

std::vector<double> engine_log_std_ratios(const model::NetworkConfig& config, int networks) {
  model::NetworkConfig small = config;
  small.batch = 1;
  engine::TraceOptions options;
  options.backward = false;
  options.dominance_units = 0;
  const std::vector<engine::Trace> traces = engine::run_replicates(small, options, 7, networks, 2);
  std::vector<double> x;
  for (const engine::Trace& t : traces) x.push_back(per_input_log_std_ratio(t, small));
  return x;
}

TEST(NormChainVsEngine, SameLawAtWidth8Depth5) {
  // Width 8, depth 5, ReLU: a wide law (sd of ½·log R ≈ 0.7, relu's B = 0 atoms at −inf with
  // probability ≈ 2 %): 4,000 engine and 20,000 chain networks, ε ≈ 0.053 + 0.024.
  constexpr int kEngine = 4000;
  constexpr std::size_t kChain = 20000;
  for (const char* act : {"relu", "leaky_relu(0.2)"}) {
    const model::NetworkConfig config = config_of(
        std::string(act) == "relu" ? "kaiming_normal" : "kaiming_normal(a=0.2)", act, 5, 8);
    const std::vector<double> e = engine_log_std_ratios(config, kEngine);
    std::vector<double> c(kChain);
    sample_norm_chain(make_norm_chain(config), 8, 0, c, 2);
    const double d = ks_two_sample(c, e);
    EXPECT_LE(d, dkw_epsilon(kChain) + dkw_epsilon(kEngine)) << act;
    RecordProperty(std::string("ks_") + act, std::to_string(d));
  }
}

// Power: a chain that ignores the sign split (χ²_n scaled by ½: the right mean gain, but
// per-layer variance n/2 instead of n + n/4) is told apart from the engine.
TEST(NormChainVsEnginePower, SignBlindChainIsRejected) {
  const model::NetworkConfig config = config_of("kaiming_normal", "relu", 5, 8);
  const std::vector<double> e = engine_log_std_ratios(config, 4000);
  NormChain blind = make_norm_chain(config);
  blind.linear = true;
  for (double& s : blind.scale) s *= 0.5;
  std::vector<double> c(20000);
  sample_norm_chain(blind, 8, 0, c, 2);
  EXPECT_GT(ks_two_sample(c, e), dkw_epsilon(c.size()) + dkw_epsilon(e.size()));
}

// ---- (c) verdicts ------------------------------------------------------------------------------

/// The drift check on the chain path alone (no engine networks: the chain path reads none).
ClaimResult drift_verdict(const model::NetworkConfig& config, std::uint64_t seed = 1) {
  CheckOptions options;
  options.alpha = kTestAlpha;
  options.seed = seed;
  options.threads = 2;
  const std::optional<theory::PredictedTrajectory> trajectory;
  const std::optional<theory::FiniteWidthPrediction> finite_width =
      theory::predict_finite_width(config);
  const ClaimContext ctx{config, options, {}, {}, trajectory, finite_width, kTestAlpha};
  return claim_descriptor(ClaimId::drift).check(ctx);
}

TEST(NormChainDrift, KaimingReluWidth256Depth10Holds) {
  const auto start = std::chrono::steady_clock::now();
  const ClaimResult r = drift_verdict(config_of("kaiming_normal", "relu", 10, 256));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.verdict, Verdict::holds) << r.quantity << " [" << r.ci.lower << ", " << r.ci.upper;
  EXPECT_NE(r.quantity.find("exact norm chain"), std::string::npos) << r.quantity;
  EXPECT_LE(r.ci.upper, 0.01);
  RecordProperty("seconds", std::to_string(seconds));
}

TEST(NormChainDrift, KaimingReluWidth1024Depth50Holds) {
  const ClaimResult r = drift_verdict(config_of("kaiming_normal", "relu", 50, 1024));
  EXPECT_EQ(r.verdict, Verdict::holds) << r.quantity << " [" << r.ci.lower << ", " << r.ci.upper;
}

TEST(NormChainDrift, LeakyReluWithMatchingKaimingHolds) {
  const ClaimResult r =
      drift_verdict(config_of("kaiming_normal(a=0.2)", "leaky_relu(0.2)", 10, 512));
  EXPECT_EQ(r.verdict, Verdict::holds) << r.quantity << " [" << r.ci.lower << ", " << r.ci.upper;
}

// True finding (power statement): width 64, depth 50 — Σ5/n_l ≈ 3.9, predicted drift
// probability ≈ 0.65 (measured ≈ 0.66) ≫ δ = 0.01.
TEST(NormChainDrift, KaimingReluWidth64Depth50IsViolated) {
  const ClaimResult r = drift_verdict(config_of("kaiming_normal", "relu", 50, 64));
  EXPECT_EQ(r.verdict, Verdict::violated) << r.ci.lower;
  EXPECT_GT(r.ci.lower, 0.5);
  RecordProperty("predicted", std::to_string(r.predicted));
  RecordProperty("measured", std::to_string(r.measured));
}

// Planted bug: weights' std 2 % too large at depth 50, width 1024: the typical network's
// second moment grows by 1.02^100 ≈ 7.2, std_L/std_0 ≈ 2.7 > K = 2.
TEST(NormChainDrift, TwoPercentGainBugAtDepth50IsViolated) {
  const ClaimResult r =
      drift_verdict(config_of("normal(std=1.02*sqrt(2/fan_in))", "relu", 50, 1024));
  EXPECT_EQ(r.verdict, Verdict::violated) << r.ci.lower;
  EXPECT_NE(r.advice.find("fix the gain"), std::string::npos) << r.advice;
}

TEST(NormChainDrift, CheckConfigurationUsesTheChain) {
  CheckRequest r = mlp("kaiming_normal", "relu", 10, 256);
  r.claims = {"drift"};
  const ClaimResult d = claims::testing::claim(claims::testing::run_check(r), ClaimId::drift);
  EXPECT_EQ(d.verdict, Verdict::holds) << d.quantity;
  EXPECT_NE(d.quantity.find("exact norm chain"), std::string::npos) << d.quantity;
  // A non-Gaussian scheme keeps the engine path.
  CheckRequest u = mlp("kaiming_uniform", "relu", 4, 64);
  u.claims = {"drift"};
  const ClaimResult du = claims::testing::claim(claims::testing::run_check(u), ClaimId::drift);
  EXPECT_EQ(du.quantity.find("exact norm chain"), std::string::npos) << du.quantity;
}

}  // namespace
}  // namespace initcheck::claims::detail
