// End-to-end checks of matched configurations (must hold), documented true findings (must be
// reported as README, "The claims" says) and the mechanics of check_configuration. Every verdict is
// a hypothesis test at the configuration's family level α = 1e-9 (testing::kTestAlpha); with a
// fixed seed each test is deterministic, and for correct code a wrong "violated" has
// probability ≤ 1e-9 per configuration by construction. "holds" assertions additionally need
// power; their configurations sit ≥ 2 interval half-widths inside the band.

#include <gtest/gtest.h>

#include <cmath>

#include "check_helpers.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/precision_plan.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/engine/input_data.hpp"

namespace initcheck::claims {
namespace {

using stats::Verdict;
using testing::claim;
using testing::mlp;
using testing::run_check;

TEST(Check, MatchedKaimingReluHolds) {
  CheckRequest r = mlp("kaiming_normal", "relu", 8, 128);
  r.claims = {"variance", "growth", "dominance", "gradient"};
  const CheckResult res = run_check(r);
  for (const char* id : {"variance", "growth", "dominance", "gradient"}) {
    const ClaimResult& c = claim(res, parse_claim(id));
    EXPECT_EQ(c.verdict, Verdict::holds)
        << id << " measured " << c.measured << " ci [" << c.ci.lower << ", " << c.ci.upper << "]";
  }
  EXPECT_EQ(res.overall, Verdict::holds);
  // Not selected / not applicable claims are listed with a reason.
  EXPECT_FALSE(claim(res, ClaimId::batchnorm).applicable);
  EXPECT_FALSE(claim(res, ClaimId::batchnorm).not_applicable_reason.empty());
}

// Issue #13 item 3: a selected claim that does not apply is refused before any work (exit 2 in
// `check`), never reported as "holds"; without a selection it is listed as not applicable.
TEST(Check, SelectedClaimThatDoesNotApplyIsRefused) {
  const auto refusal = [](CheckRequest r, const char* id) -> std::string {
    r.claims = {id};
    try {
      (void)run_check(r);
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  };
  const CheckRequest plain = mlp("kaiming_normal", "relu", 3, 16);
  EXPECT_EQ(refusal(plain, "batchnorm"),
            "claim 'batchnorm' does not apply: needs --norm batchnorm");
  EXPECT_EQ(refusal(plain, "bn-input"), "claim 'bn-input' does not apply: needs --norm batchnorm");
  EXPECT_EQ(refusal(plain, "precision").rfind("claim 'precision' does not apply: fp32 storage", 0),
            0U);
  EXPECT_EQ(
      refusal(plain, "batch-stats").rfind("claim 'batch-stats' does not apply: needs --input", 0),
      0U);
  // The oracle predicts fp32 overflow by layer ~34 (×11 per layer): gradients not measurable.
  EXPECT_EQ(refusal(mlp("normal(std=1)", "relu", 50, 256), "gradient")
                .rfind("claim 'gradient' does not apply: the forward signal leaves the fp32", 0),
            0U);
  // One inapplicable claim in a list is enough.
  CheckRequest both = plain;
  both.claims = {"variance", "batchnorm"};
  EXPECT_THROW((void)run_check(both), InputError);
}

TEST(Check, MeanHoldsForZeroMeanWeightsAndFailsOtherwise) {
  // The row means w_i·h̄ of a ReLU layer spread as much as the values themselves, so the mean
  // claim needs many rows: width 256 and 48 networks resolve |mean| ≤ 0.1·std.
  CheckRequest r = mlp("kaiming_normal", "relu", 4, 256);
  r.claims = {"mean"};
  const ClaimResult ok = claim(run_check(r, 48), ClaimId::mean);
  EXPECT_EQ(ok.verdict, Verdict::holds)
      << ok.measured << " [" << ok.ci.lower << ", " << ok.ci.upper << "]";
  CheckRequest bad = mlp("normal(std=sqrt(2/fan_in), mean=0.01)", "relu", 4, 256);
  bad.claims = {"mean"};
  EXPECT_EQ(claim(run_check(bad, 16), ClaimId::mean).verdict, Verdict::violated);
}

TEST(Check, LecunSeluAndOrthogonalLinearHold) {
  CheckRequest selu = mlp("lecun_normal", "selu", 8, 128);
  selu.claims = {"variance", "growth", "gradient"};
  EXPECT_EQ(run_check(selu).overall, Verdict::holds);
  CheckRequest lin = mlp("orthogonal", "linear", 8, 128);
  lin.claims = {"variance", "growth", "gradient", "mean"};
  EXPECT_EQ(run_check(lin).overall, Verdict::holds);
}

TEST(Check, DeterministicForSeedAndThreads) {
  CheckRequest r = mlp("kaiming_uniform", "relu", 4, 64);
  CheckOptions a;
  a.alpha = testing::kTestAlpha;
  a.seed = 5;
  a.threads = 1;
  CheckOptions b = a;
  b.threads = 2;
  const model::NetworkConfig config = make_network_config(r);
  const CheckResult x = check_configuration(config, a);
  const CheckResult y = check_configuration(config, b);
  ASSERT_EQ(x.claims.size(), y.claims.size());
  for (std::size_t i = 0; i < x.claims.size(); ++i) {
    EXPECT_EQ(x.claims[i].verdict, y.claims[i].verdict);
    EXPECT_EQ(x.claims[i].ci.lower, y.claims[i].ci.lower);  // bit-identical
    EXPECT_EQ(x.claims[i].ci.upper, y.claims[i].ci.upper);
  }
  EXPECT_EQ(x.curves.forward_std, y.curves.forward_std);
  EXPECT_FALSE(x.curves.pair_cosine.empty());  // `correlation`'s pair runs, too
  EXPECT_EQ(x.curves.pair_cosine, y.curves.pair_cosine);
}

TEST(Check, OverallVerdictRule) {
  std::vector<ClaimResult> v(3);
  v[0].verdict = Verdict::holds;
  v[1].verdict = Verdict::inconclusive;
  v[2].verdict = Verdict::holds;
  EXPECT_EQ(overall_verdict(v), Verdict::inconclusive);
  v[2].verdict = Verdict::violated;
  EXPECT_EQ(overall_verdict(v), Verdict::violated);
  v[2].applicable = false;  // non-applicable claims do not count
  EXPECT_EQ(overall_verdict(v), Verdict::inconclusive);
}

TEST(Check, CurvesHaveOneEntryPerDepth) {
  CheckRequest r = mlp("kaiming_normal", "relu", 5, 64);
  const CheckResult res = run_check(r);
  EXPECT_EQ(res.curves.forward_std.size(), 6u);
  EXPECT_EQ(res.curves.predicted_forward_std.size(), 6u);
  EXPECT_EQ(res.curves.gradient_std.size(), 6u);
  EXPECT_EQ(res.curves.drift_lower.size(), 6u);
  // Input RMS ≈ 1 (N(0,1) input, 64·64 values: relative error ~2 %; 0.2 is > 10 σ).
  EXPECT_NEAR(res.curves.forward_std[0], 1.0, 0.2);
}

// --- true findings (README, "The claims"): reported, never hidden
// ----------------------------------

TEST(TrueFindings, TanhXavierVanishesSlowlyAsPredicted) {
  CheckRequest r = mlp("xavier_normal", "tanh", 20, 128);
  r.claims = {"variance", "growth"};
  const CheckResult res = run_check(r);
  EXPECT_EQ(claim(res, ClaimId::variance).verdict, Verdict::violated);
  EXPECT_EQ(claim(res, ClaimId::growth).verdict, Verdict::holds);  // the theory predicts it
}

TEST(TrueFindings, BatchNormReluViolatesGradient) {
  CheckRequest r = mlp("kaiming_normal", "relu", 20, 128);
  r.norm = "batchnorm";
  r.claims = {"gradient", "batchnorm"};
  const CheckResult res = run_check(r);
  const ClaimResult& g = claim(res, ClaimId::gradient);
  EXPECT_EQ(g.verdict, Verdict::violated);
  EXPECT_GT(g.measured, 4.0);  // grows (≈ π/(π−1) per layer), not vanishes
  EXPECT_EQ(claim(res, ClaimId::batchnorm).verdict, Verdict::holds);
}

TEST(TrueFindings, FanInOnShrinkingWidthsChangesGradientsByTheWidthRatio) {
  CheckRequest r = mlp("kaiming_normal", "relu", 0, 0);
  r.widths = {1024, 512, 256, 128, 64};
  r.claims = {"variance", "gradient"};
  const CheckResult res = run_check(r);
  EXPECT_EQ(claim(res, ClaimId::variance).verdict, Verdict::holds);  // forward preserved
  const ClaimResult& g = claim(res, ClaimId::gradient);
  EXPECT_EQ(g.verdict, Verdict::violated);
  // Predicted per-unit gradient change to the input = Π n_out/n_in = 64/1024.
  EXPECT_NEAR(g.predicted, 64.0 / 1024.0, 1e-3);
  EXPECT_TRUE(g.ci.contains(g.predicted)) << g.ci.lower << " " << g.ci.upper;
}

TEST(TrueFindings, KaimingReluDriftsAtDepth50Width256) {
  CheckRequest r = mlp("kaiming_normal", "relu", 50, 256);
  r.claims = {"drift"};
  const CheckResult res = run_check(r);
  const ClaimResult& d = claim(res, ClaimId::drift);
  EXPECT_EQ(d.verdict, Verdict::violated)
      << d.measured << " [" << d.ci.lower << ", " << d.ci.upper << "]";
  EXPECT_NEAR(d.predicted, 0.21, 0.03);  // Hanin–Rolnick log-normal prediction
}

// --- applicability-specific claims -------------------------------------------------------------

TEST(Check, BatchNormHoldsForAnyInitScale) {
  for (const char* init : {"normal(std=0.01)", "normal(std=10)"}) {
    CheckRequest r = mlp(init, "relu", 6, 64);
    r.norm = "batchnorm";
    r.claims = {"batchnorm"};
    EXPECT_EQ(claim(run_check(r), ClaimId::batchnorm).verdict, Verdict::holds) << init;
  }
}

TEST(Check, BnInputFlagsTinyPreBatchNormScale) {
  CheckRequest r = mlp("normal(std=1e-5)", "relu", 4, 64);
  r.norm = "batchnorm";
  r.claims = {"bn-input", "batchnorm"};
  const CheckResult res = run_check(r);
  EXPECT_EQ(claim(res, ClaimId::bn_input).verdict, Verdict::violated);
  CheckRequest ok = mlp("kaiming_normal", "relu", 4, 64);
  ok.norm = "batchnorm";
  ok.claims = {"bn-input"};
  EXPECT_EQ(claim(run_check(ok), ClaimId::bn_input).verdict, Verdict::holds);
}

// `precision` (issue item 6). Variance-preserving inits store almost no events: with Gaussian
// weights the expected fraction given each layer input is computed exactly (≈ 3e-5 in fp16,
// ≈ 5e-39 in bf16, far below ε = 1e-3), so "holds" is reached; before the exact law the
// zero-event Chernoff bound (≈ 2e-3 > ε) left it inconclusive. Tiny weights underflow (a true
// finding, ≈ 75% events at layer 7).
TEST(Check, PrecisionHoldsForVariancePreservingInitAndFlagsUnderflow) {
  for (const char* format : {"bf16", "fp16"}) {
    CheckRequest r = mlp("kaiming_normal", "relu", 10, 256);
    r.precision = format;
    r.claims = {"precision"};
    const ClaimResult c = claim(run_check(r), ClaimId::precision);
    EXPECT_EQ(c.verdict, Verdict::holds)
        << format << " [" << c.ci.lower << ", " << c.ci.upper << "]";
  }
  CheckRequest bad = mlp("normal(std=0.01)", "relu", 8, 256);
  bad.precision = "fp16";
  bad.claims = {"precision"};
  EXPECT_EQ(claim(run_check(bad), ClaimId::precision).verdict, Verdict::violated);
}

// Without the exact law (uniform weights) the distribution-free row bound decides; with the
// rows precision_entries_needed asks for (here ≈ 150 networks of width 256), a fraction
// ≈ 3e-5 ≪ ε/10 gives "holds" (power ≥ 0.99 by construction; the α = 1e-9 bound is valid for
// any [0, 1] row law).
TEST(Check, PrecisionHoldsWithoutExactLawGivenPlannedRows) {
  CheckRequest r = mlp("kaiming_uniform(nonlinearity=relu)", "relu", 3, 256);
  r.precision = "fp16";
  r.claims = {"precision"};
  const model::NetworkConfig config = make_network_config(r);
  ASSERT_FALSE(detail::precision_exact_law(config, false));
  const std::int64_t rows = detail::precision_entries_needed(config, testing::kTestAlpha, 1e-3);
  const int replicates = static_cast<int>((rows + 255) / 256);
  const ClaimResult c = claim(run_check(r, replicates), ClaimId::precision);
  EXPECT_EQ(c.verdict, Verdict::holds)
      << replicates << " [" << c.ci.lower << ", " << c.ci.upper << "]";
}

TEST(Check, PrecisionEntriesNeeded) {
  CheckRequest r = mlp("kaiming_uniform(nonlinearity=relu)", "relu", 10, 256);
  r.precision = "fp16";
  const model::NetworkConfig config = make_network_config(r);
  const std::int64_t n = detail::precision_entries_needed(config, 1e-7, 1e-3);
  // Zero observed events then give an upper bound ≤ ε (the bound at x̄ = 0 is 1 − (α/2D)^{1/n}).
  EXPECT_LE(1.0 - std::pow(1e-7 / 20.0, 1.0 / static_cast<double>(n)), 1e-3);
  EXPECT_GT(n, 20000);  // ≥ log(2D/α)/ε ≈ 19.1e3
  EXPECT_LT(n, 60000);  // ≈ 2.2·log(2D/α)/ε
  EXPECT_LT(detail::precision_entries_needed(config, 1e-3, 1e-3), n);
  CheckRequest g = mlp("kaiming_normal", "relu", 10, 256);
  g.precision = "fp16";
  EXPECT_EQ(detail::precision_entries_needed(make_network_config(g), 1e-7, 1e-3), 0);
}

// `bn-input` part (2): pre-BatchNorm z of dense Gaussian layers has the exact law too, so a
// Kaiming network in bf16/fp16 holds (inconclusive before); z with std ≈ 0.011 in fp16 has ≈ 0.4%
// of its values in the subnormal band — violated, while part (1) (σ²/(σ²+ε) ≈ 0.9) holds.
TEST(Check, BnInputStorageHoldsAndFlagsSubnormalPreBatchNorm) {
  for (const char* format : {"bf16", "fp16"}) {
    CheckRequest r = mlp("kaiming_normal", "relu", 6, 256);
    r.norm = "batchnorm";
    r.precision = format;
    r.claims = {"bn-input"};
    const ClaimResult c = claim(run_check(r), ClaimId::bn_input);
    EXPECT_EQ(c.verdict, Verdict::holds) << format << " " << c.quantity;
  }
  CheckRequest bad = mlp("normal(std=1e-3)", "relu", 6, 256);
  bad.norm = "batchnorm";
  bad.precision = "fp16";
  bad.claims = {"bn-input"};
  const ClaimResult c = claim(run_check(bad), ClaimId::bn_input);
  EXPECT_EQ(c.verdict, Verdict::violated) << c.quantity;
  EXPECT_NE(c.quantity.find("pre-BatchNorm values"), std::string::npos) << c.quantity;
}

// `batch-stats` (issue item 7): batches of a finite correlated dataset standardized with the
// dataset's statistics hold at the default replicate count and width (whitened χ² pivots pooled
// over 512 features × 16 networks: θ_m's α = 1e-9 interval is ≈ ×÷1.10 around 1, far inside
// [¼, 4]), and the same dataset fed raw is violated (θ_m ≈ 300). The per-feature χ² tests this
// replaced were inconclusive here (exit 3: 64 networks, CI [0.69, 7.2]); this test failed on them.
TEST(Check, BatchStatsHoldAtDefaultReplicatesAndFailForRawDataset) {
  CheckRequest r = mlp("kaiming_normal", "relu", 2, 512);
  r.batch = 128;
  r.input = "dataset_normalized";
  r.claims = {"batch-stats"};
  const CheckResult res = run_check(r);
  const ClaimResult& c = claim(res, ClaimId::batch_stats);
  EXPECT_EQ(c.verdict, Verdict::holds)
      << c.quantity << " [" << c.ci.lower << ", " << c.ci.upper << "]";
  EXPECT_LE(res.replicates, 24);
  CheckRequest raw = r;
  raw.input = "dataset_unnormalized";
  EXPECT_EQ(claim(run_check(raw), ClaimId::batch_stats).verdict, Verdict::violated);
}

/// The batch-stats check on 16 replicates' statistics of draw_dataset(256 features, batch 128) with
/// the given standardization (planted bugs are not reachable from the command line).
ClaimResult batch_stats_of(engine::Standardization mode, double tolerance) {
  std::vector<engine::Trace> traces(16);
  for (std::size_t r = 0; r < traces.size(); ++r) {
    rng::Engine e(200 + r);
    traces[r].input_batch = engine::draw_dataset(256, 128, mode, e).stats;
  }
  model::NetworkConfig config;
  config.input = model::InputKind::dataset_normalized;
  CheckOptions options;
  options.alpha = testing::kTestAlpha;
  options.tolerance = tolerance;
  const std::optional<theory::PredictedTrajectory> trajectory;
  const std::optional<theory::FiniteWidthPrediction> finite_width;
  const detail::ClaimContext ctx{
      config, options, traces, traces, trajectory, finite_width, testing::kTestAlpha};
  return claim_descriptor(ClaimId::batch_stats).check(ctx);
}

// Power of `batch-stats` against planted normalization bugs, 16 networks, α = 1e-9, fixed seeds
// (deterministic). Correct standardization holds even at K = 1.2 (band [0.69, 1.44]; θ_m's
// interval ≈ ×÷1.15 around 1 with 16·256 dof). Each batch standardized with its own statistics:
// μ = 0, θ_m ≈ 0, violated at the default K = 2. The first batch's statistics applied to other
// batches: θ_m ≈ 2 (its mean error adds one batch's sampling dispersion), violated at K = 1.2
// (inside the default band [¼, 4] by design: K = 2 tolerates a 2× dispersion). The dataset std
// overestimated by 10 %: θ_v = 1/1.21 with 16·256·127 dof (interval ≈ ×÷1.01), violated at
// K = 1.05 (band [0.91, 1.10]).
TEST(Check, BatchStatsViolatedByPlantedNormalizationBugs) {
  using engine::Standardization;
  const ClaimResult ok = batch_stats_of(Standardization::dataset, 1.2);
  EXPECT_EQ(ok.verdict, Verdict::holds)
      << ok.quantity << " [" << ok.ci.lower << ", " << ok.ci.upper << "]";
  const ClaimResult each = batch_stats_of(Standardization::each_batch, 2.0);
  EXPECT_EQ(each.verdict, Verdict::violated) << each.ci.lower << " " << each.ci.upper;
  EXPECT_NE(each.advice.find("each batch"), std::string::npos) << each.advice;
  const ClaimResult first = batch_stats_of(Standardization::first_batch, 1.2);
  EXPECT_EQ(first.verdict, Verdict::violated) << first.ci.lower << " " << first.ci.upper;
  const ClaimResult std_high = batch_stats_of(Standardization::std_10pct_high, 1.05);
  EXPECT_EQ(std_high.verdict, Verdict::violated) << std_high.ci.lower << " " << std_high.ci.upper;
}

TEST(Check, DominanceViolatedByUnnormalizedInput) {
  CheckRequest r = mlp("kaiming_normal", "relu", 2, 64);
  r.input = "unnormalized";
  r.claims = {"dominance"};
  EXPECT_EQ(claim(run_check(r), ClaimId::dominance).verdict, Verdict::violated);
}

TEST(Check, ResidualScaledByInverseSqrtDepthHolds) {
  // A Kaiming-ReLU branch (linear, ReLU, linear) has second-moment gain 2, so α = 1/√(4L) gives
  // E[x_L²] = (1 + 2α²)^L ≈ e^{1/2}; unscaled branches (planted_bugs_test) grow like 3^L.
  CheckRequest r = mlp("kaiming_normal", "relu", 16, 64);
  r.arch = "resnet";
  r.branch_scale = "1/sqrt(4*depth)";
  r.claims = {"variance", "growth"};
  const CheckResult res = run_check(r);
  EXPECT_EQ(claim(res, ClaimId::variance).verdict, Verdict::holds)
      << claim(res, ClaimId::variance).measured;
  EXPECT_EQ(claim(res, ClaimId::growth).verdict, Verdict::holds);
}

}  // namespace
}  // namespace initcheck::claims
