// Issue #15's done-when on transformer blocks (--arch transformer): pre-LN without scaling
// grows the residual stream additively, ≈ 1 + c·L, as the (approximate) oracle predicts;
// GPT-2-style scaling of both branches (α = 1/sqrt(2·L)) keeps `variance` in the band at depth
// 48; post-LN renormalizes after every sub-block (stream second moment 1). The oracle's
// attention model ("averaging V over tokens", theory/transformer_trajectory.hpp) is checked
// against the engine's measured attention output.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "check_helpers.hpp"
#include "initcheck/engine/replicates.hpp"
#include "initcheck/nn/transformer_block.hpp"
#include "initcheck/theory/transformer_trajectory.hpp"

namespace initcheck::claims {
namespace {

using stats::Verdict;
using testing::claim;
using testing::run_check;

/// Small blocks keep the checks fast: d = 32, 2 heads, T = 8 tokens, 8 sequences per batch.
CheckRequest transformer(const std::string& placement, const std::string& branch_scale,
                         int depth = 48) {
  CheckRequest r;
  r.init = "lecun_normal";
  r.activation = "gelu";
  r.arch = "transformer";
  r.norm = "layernorm";
  r.norm_placement = placement;
  r.depth = depth;
  r.width = 32;
  r.tokens = 8;
  r.heads = 2;
  r.batch = 8;
  r.branch_scale = branch_scale;
  r.seed = 1;
  r.claims = {"variance"};
  return r;
}

// Unscaled pre-LN: every block adds about the same amount c to the stream's second moment
// (its branches read a normalized input), so M_48 ≈ 1 + 48c ≫ K² = 4: `variance` is violated
// at depth 48, and the claim's interval for E[M_48/M_0] (level 1 − 2α_48, α = 1e-9, fixed
// seed) covers the oracle's value. Additive, not geometric: (1 + c)^48 would be ~10⁸ times
// larger.
TEST(TransformerFindings, PreLnUnscaledGrowsAdditivelyAsPredicted) {
  const CheckRequest r = transformer("pre", "1");
  const theory::PredictedTrajectory t = theory::predict_trajectory(make_network_config(r));
  const double c = t.blocks[0].stream_second_moment - 1.0;
  EXPECT_GT(c, 0.5);
  EXPECT_GT(t.blocks.back().stream_second_moment, 1.0 + 0.5 * 48.0 * c);
  EXPECT_LT(t.blocks.back().stream_second_moment, 1.0 + 2.0 * 48.0 * c);

  const ClaimResult unscaled = claim(run_check(r), ClaimId::variance);
  EXPECT_EQ(unscaled.verdict, Verdict::violated);
  EXPECT_EQ(unscaled.layer, 48);
  EXPECT_LE(unscaled.ci.lower, unscaled.predicted);
  EXPECT_GE(unscaled.ci.upper, unscaled.predicted);
}

// GPT-2 scaling: α² = 1/(2·48) per branch, so M_48 ≈ 1 + c/2 at any depth: holds.
TEST(TransformerFindings, PreLnGpt2ScalingHoldsAtDepth48) {
  const ClaimResult scaled =
      claim(run_check(transformer("pre", "1/sqrt(2*depth)")), ClaimId::variance);
  EXPECT_EQ(scaled.verdict, Verdict::holds) << scaled.measured;
  EXPECT_LT(scaled.measured, 2.0);
}

// GPT-2's own form: the residual projections' std divided by sqrt(2·n_layer) through per-role
// init specs (attn.out, mlp.out; `depth` in an init spec counts weight layers, 4 per block, so
// 2·n_layer = depth/2). At init that is α = 1/sqrt(2L) on both branches: the oracle gives the
// same trajectory (1e-9 relative: the same arithmetic in another order) and variance holds.
TEST(TransformerFindings, Gpt2PerRoleInitEqualsBranchScaling) {
  CheckRequest roles = transformer("pre", "1");
  roles.init =
      "default=lecun_normal, attn.out=normal(std=1/sqrt(fan_in*depth/2)), "
      "mlp.out=normal(std=1/sqrt(fan_in*depth/2))";
  const ClaimResult result = claim(run_check(roles), ClaimId::variance);
  EXPECT_EQ(result.verdict, Verdict::holds) << result.measured;
  const theory::PredictedTrajectory scaled =
      theory::predict_trajectory(make_network_config(transformer("pre", "1/sqrt(2*depth)")));
  const double expected = scaled.blocks.back().stream_second_moment;
  EXPECT_NEAR(result.predicted, expected, 1e-9 * expected);
}

// Post-LN: the stream is LayerNorm's output, second moment 1 − O(ε) at every block.
TEST(TransformerFindings, PostLnStaysAtOne) {
  const ClaimResult post = claim(run_check(transformer("post", "1")), ClaimId::variance);
  EXPECT_EQ(post.verdict, Verdict::holds);
  EXPECT_NEAR(post.measured, 1.0, 1e-3);  // LN output: s²/(s² + 1e-5) per token
  EXPECT_NEAR(post.predicted, 1.0, 1e-3);
}

// Calibration: a correct configuration (GPT-2-scaled pre-LN, causal mask, depth 12) checked
// with 4 seeds on variance and mean reports no violation. Each run's family level is α = 1e-9,
// so P(any false violation) ≤ 4·1e-9: a failure here is a bug, not bad luck.
TEST(TransformerFindings, CorrectConfigurationHasNoFalseViolations) {
  int violated = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    CheckRequest r = transformer("pre", "1/sqrt(2*depth)", 12);
    r.mask = "causal";
    r.seed = seed;
    r.claims = {"variance", "mean"};
    const CheckResult result = run_check(r);
    for (const ClaimResult& c : result.claims) {
      violated += c.applicable && c.verdict == Verdict::violated ? 1 : 0;
    }
  }
  EXPECT_EQ(violated, 0);
}

// The oracle's attention model against the engine, block 0 (tokens independent, inputs LN'd):
// E[a²] = E[v²]·κ with κ the softmax weight integral (s² ≈ 1 for lecun_normal, 8 tokens) and the
// MLP branch's E[m²]. Measured: the mean over R = 64 networks of each network's second moment
// (8 sequences × 8 tokens × 32 features); tolerance = the model's error (scores per query are
// Gaussian only given |q_i|², whose spread over queries is ≈ 2/d_h = 1/8 relative) plus
// 4 standard errors of the mean over networks (α ≈ 6e-5 per comparison, fixed seed).
TEST(TransformerOracle, AttentionAsAveragingMatchesTheEngineInBlockZero) {
  const model::NetworkConfig config = make_network_config(transformer("pre", "1", 2));
  const std::vector<theory::TransformerBlockMoments> predicted =
      theory::transformer_block_moments(config);
  engine::TraceOptions options;
  options.backward = false;
  const std::vector<engine::Trace> traces = engine::run_replicates(config, options, 7, 64, 2);
  const auto measured = [&](nn::BlockTensor tensor) {
    std::vector<double> x;
    for (const engine::Trace& t : traces) {
      x.push_back(t.blocks[0].tensors[static_cast<std::size_t>(tensor)].second_moment);
    }
    double mean = 0.0;
    for (double v : x) mean += v / static_cast<double>(x.size());
    double var = 0.0;
    for (double v : x) var += (v - mean) * (v - mean) / static_cast<double>(x.size() - 1);
    return std::pair{mean, std::sqrt(var / static_cast<double>(x.size()))};
  };
  const auto [v, v_se] = measured(nn::BlockTensor::v);
  EXPECT_NEAR(v, predicted[0].value, 4.0 * v_se + 1e-3);  // exact given the LN'd input
  const auto [a, a_se] = measured(nn::BlockTensor::attention);
  EXPECT_NEAR(a, predicted[0].attention, 4.0 * a_se + 0.1 * predicted[0].attention);
  const auto [mlp, mlp_se] = measured(nn::BlockTensor::mlp_down);
  EXPECT_NEAR(mlp, predicted[0].mlp_down, 4.0 * mlp_se + 0.1 * predicted[0].mlp_down);
}

}  // namespace
}  // namespace initcheck::claims
