// The `correlation` claim: calibration (a correct configuration at the boundary is falsely
// "violated" at most at rate α), power (ordered-phase collapse is reported), the c-map prediction
// against the measured trajectory, and its mechanics. Every run uses fixed seeds, so each test is
// deterministic; the margins that keep it from depending on the seed are stated at each test.

#include <gtest/gtest.h>

#include <algorithm>
#include <span>

#include "check_helpers.hpp"
#include "initcheck/claims/claim_registry.hpp"
#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/pair_runs.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/engine/replicates.hpp"
#include "initcheck/stats/proportion_interval.hpp"
#include "initcheck/theory/pair_correlation.hpp"

namespace initcheck::claims {
namespace {

using stats::Verdict;
using testing::claim;
using testing::mlp;
using testing::run_check;

std::vector<engine::Trace> pair_runs(const model::NetworkConfig& config, std::uint64_t seed,
                                     int networks) {
  return engine::run_replicates(detail::pair_config(config), detail::pair_trace_options(), seed,
                                networks, 2);
}

// Kaiming ReLU at depth 8: the c-map predicts an output cosine of 0.87, 12 interval half-widths
// (≈ 0.01 at R = 16) below 1 − η = 0.99, so "holds" has power ≈ 1 (α = 1e-9).
TEST(Correlation, KaimingReluKeepsInputsApart) {
  CheckRequest r = mlp("kaiming_normal", "relu", 8, 128);
  r.claims = {"correlation"};
  const CheckResult res = run_check(r);
  const ClaimResult& c = claim(res, ClaimId::correlation);
  EXPECT_EQ(c.verdict, Verdict::holds) << c.ci.lower << " " << c.ci.upper;
  EXPECT_NEAR(c.predicted, 0.872, 0.001);
  EXPECT_EQ(res.pair_replicates, static_cast<int>(c.ci.n));
  ASSERT_EQ(res.curves.pair_cosine.size(), 9U);
  ASSERT_EQ(res.curves.predicted_pair_cosine.size(), 9U);
  EXPECT_EQ(c.first_layer, -1);
}

// Power: in the ordered phase (torch_default: σ_w² = 1/3 with a bias) the signal shrinks until
// the bias dominates and every input maps to nearly the same vector: the c-map predicts an output
// cosine within 1e-6 of 1 at depth 20, thousands of half-widths above 1 − η.
TEST(Correlation, OrderedPhaseCollapseIsViolated) {
  for (const char* act : {"tanh", "relu"}) {
    CheckRequest r = mlp("torch_default", act, 20, 128);
    r.claims = {"correlation"};
    const ClaimResult c = claim(run_check(r), ClaimId::correlation);
    EXPECT_EQ(c.verdict, Verdict::violated) << act;
    EXPECT_GT(c.predicted, 0.999999) << act;
    EXPECT_GT(c.first_layer, 1) << act;
    EXPECT_LT(c.first_layer, 20) << act;
    EXPECT_NE(c.advice.find("rank collapse"), std::string::npos) << act;
  }
}

// Calibration at α = 0.01: with 1 − η set to the estimand itself (the hardest true "holds"),
// the claim says "violated" when the interval's lower end exceeds μ, at rate ≤ α. μ is estimated
// from 4096 independent networks (standard error 1/16 of one check's, so the boundary error moves
// the rate by < 0.1 %); 400 checks of R = 16 networks each. The test fails when the 99.9 %
// Clopper–Pearson interval of the false-violation rate lies entirely above α (expected count ≤ 4,
// measured 4; the bound exceeds α only from 13 violations on).
TEST(CorrelationCalibration, FalseViolationRateAtMostAlpha) {
  CheckRequest r = mlp("kaiming_normal", "relu", 4, 32);
  const model::NetworkConfig config = make_network_config(r);
  const std::vector<engine::Trace> reference = pair_runs(config, 101, 4096);
  double mu = 0.0;
  for (const engine::Trace& t : reference) mu += t.pair_cosine.back() / 4096.0;
  constexpr int kChecks = 400;
  constexpr int kR = 16;
  const std::vector<engine::Trace> runs = pair_runs(config, 202, kChecks * kR);
  CheckOptions options;
  options.correlation_eta = 1.0 - mu;
  const std::optional<theory::PredictedTrajectory> no_trajectory;
  const std::optional<theory::FiniteWidthPrediction> no_width;
  constexpr double kAlpha = 0.01;
  std::size_t violated = 0;
  std::size_t held = 0;
  for (int k = 0; k < kChecks; ++k) {
    const detail::ClaimContext ctx{config,
                                   options,
                                   {},
                                   {},
                                   no_trajectory,
                                   no_width,
                                   kAlpha,
                                   std::span(runs).subspan(static_cast<std::size_t>(k) * kR, kR)};
    const Verdict v = claim_descriptor(ClaimId::correlation).check(ctx).verdict;
    violated += v == Verdict::violated ? 1 : 0;
    held += v == Verdict::holds ? 1 : 0;
  }
  const stats::ConfidenceInterval cp = stats::clopper_pearson_interval(violated, kChecks, 0.999);
  EXPECT_LE(cp.lower, kAlpha) << violated << " of " << kChecks << " checks falsely violated";
  RecordProperty("false_violations", static_cast<int>(violated));
  // At the boundary the interval also excludes μ from above at rate ≤ α: mostly inconclusive.
  EXPECT_LE(held, 13U);
}

// The c-map prediction within each layer's interval (Student t over R = 64 networks, level
// 1 − α/D with α = 1e-3 over the D = 8 layers) for ReLU, tanh and tanh with a bias (width 256).
// Measured with these seeds: the prediction lies within 0.56 half-widths of the estimate at every
// layer (half-widths 0.001–0.02; the finite-width bias is O(1/n)), so the test does not hinge on
// the seed. Power: a prediction started from c₀ = 0.45 instead of 0.5 lies ≥ 5 half-widths off at
// layer 1 and is rejected.
TEST(CorrelationCMap, PredictionWithinEveryLayersInterval) {
  struct Case {
    const char* init;
    const char* activation;
  };
  constexpr int kDepth = 8;
  constexpr int kR = 64;
  constexpr double kAlpha = 1e-3;
  for (const Case& k : {Case{"kaiming_normal", "relu"}, Case{"xavier_normal", "tanh"},
                        Case{"torch_default", "tanh"}}) {
    CheckRequest r = mlp(k.init, k.activation, kDepth, 256);
    const model::NetworkConfig config = make_network_config(r);
    const theory::PredictedTrajectory trajectory = theory::predict_trajectory(config);
    const theory::PairCosinePrediction p =
        theory::predict_pair_cosines(config, trajectory, detail::kPairInputCorrelation);
    const theory::PairCosinePrediction wrong =
        theory::predict_pair_cosines(config, trajectory, 0.45);
    ASSERT_EQ(p.cosine.size(), static_cast<std::size_t>(kDepth) + 1) << p.unavailable;
    const std::vector<engine::Trace> runs = pair_runs(config, 7, kR);
    for (std::size_t l = 1; l <= kDepth; ++l) {
      std::vector<double> x;
      for (const engine::Trace& t : runs) x.push_back(t.pair_cosine[l]);
      const stats::ConfidenceInterval ci = replicate_mean_interval(x, 1.0 - kAlpha / kDepth);
      EXPECT_GE(p.cosine[l], ci.lower) << k.activation << " " << k.init << " layer " << l;
      EXPECT_LE(p.cosine[l], ci.upper) << k.activation << " " << k.init << " layer " << l;
      if (l == 1) {
        EXPECT_FALSE(wrong.cosine[l] >= ci.lower && wrong.cosine[l] <= ci.upper)
            << k.activation << " " << k.init << ": the c-map check has no power";
      }
    }
  }
}

TEST(Correlation, BatchNormWithBatchOneIsRefused) {
  CheckRequest r = mlp("kaiming_normal", "relu", 2, 16);
  r.norm = "batchnorm";
  r.batch = 1;
  r.claims = {"correlation"};
  EXPECT_THROW((void)run_check(r), InputError);
}

}  // namespace
}  // namespace initcheck::claims
