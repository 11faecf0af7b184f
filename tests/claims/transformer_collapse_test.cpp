// Rank collapse through transformer blocks: `correlation` on --arch transformer reads the mean
// cosine between the tokens of each sequence at the last block's output (the iid input tokens
// start at ≈ 0). A post-LN stack without residuals collapses (every token the same vector); the
// standard pre-LN block with residuals, GPT-2-scaled, does not. Sizes: depth 12, width 64,
// 16 tokens, 4 heads, 8 sequences, lecun_normal, GELU.
//
// Each verdict comes from one fixed-seed check at the family level α = 1e-9 (check_helpers.hpp):
// the correlation interval is a Student t interval over ≈ 100 networks at level 1 − 2α′; the
// margins stated per test are many half-widths, so a different verdict would need a bug.

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "check_helpers.hpp"
#include "initcheck/claims/claim_registry.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims {
namespace {

using stats::Verdict;
using testing::claim;
using testing::run_check;

CheckRequest block_stack(const std::string& placement, const std::string& residual,
                         const std::string& branch_scale = "1") {
  CheckRequest r;
  r.init = "lecun_normal";
  r.activation = "gelu";
  r.arch = "transformer";
  r.norm = "layernorm";
  r.norm_placement = placement;
  r.residual = residual;
  r.branch_scale = branch_scale;
  r.depth = 12;
  r.width = 64;
  r.tokens = 16;
  r.heads = 4;
  r.batch = 8;
  r.seed = 1;
  r.claims = {"correlation"};
  return r;
}

// Post-LN without residuals: LN(α·F(x)) forgets the tokens' own directions; attention averages
// them, so the mean token cosine exceeds 0.99 by block 3 and is 1 − 5e-14 at block 12 (interval
// half-width ≈ 4e-15: the margin to 1 − η = 0.99 is ~10¹² half-widths). Power of the flag: with
// the skip kept (a planted "residual ignored" bug) the curve crosses 0.99 only at block 11.
TEST(TransformerCollapse, PostLnWithoutResidualCollapses) {
  const CheckResult result = run_check(block_stack("post", "no"));
  const ClaimResult& c = claim(result, ClaimId::correlation);
  ASSERT_TRUE(c.applicable) << c.not_applicable_reason;
  EXPECT_EQ(c.verdict, Verdict::violated);
  EXPECT_GT(c.measured, 0.99);
  EXPECT_GT(c.ci.lower, 0.99);
  EXPECT_GE(c.first_layer, 1);
  EXPECT_LE(c.first_layer, 4);
  EXPECT_TRUE(std::isnan(c.predicted));  // no oracle for token cosines
  EXPECT_NE(c.quantity.find("no oracle"), std::string::npos) << c.quantity;
  EXPECT_NE(c.advice.find("--residual yes"), std::string::npos) << c.advice;
  EXPECT_NE(c.advice.find("--norm-placement pre"), std::string::npos) << c.advice;
  // The curve: input tokens iid (|cos| ≲ 4/√64 per pair, averaged over 8·120 pairs), then 1.
  ASSERT_EQ(result.curves.pair_cosine.size(), 13U);
  EXPECT_LT(std::abs(result.curves.pair_cosine[0]), 0.05);
  EXPECT_TRUE(result.curves.predicted_pair_cosine.empty());
  EXPECT_EQ(result.pair_replicates, result.replicates);
}

// Power of the first-block check above against a planted "--residual no ignored" bug: the same
// post-LN stack with its skips (α = 1) collapses too, but slowly — its mean token cosine first
// exceeds 0.99 at block 11 (0.9924; 0.9855 at block 10), far from the no-skip stack's block 3.
TEST(TransformerCollapse, SkipsKeptCollapseOnlyLate) {
  const ClaimResult c = claim(run_check(block_stack("post", "yes")), ClaimId::correlation);
  EXPECT_GT(c.first_layer, 8);
}

// The advice applied (residuals back, pre-LN; α = 1 unchanged): measured 0.67 with interval
// [0.64, 0.69], ≈ 14 half-widths below 1 − η: holds.
TEST(TransformerCollapse, AdviceAppliedHolds) {
  const ClaimResult c = claim(run_check(block_stack("pre", "yes")), ClaimId::correlation);
  EXPECT_EQ(c.verdict, Verdict::holds) << c.measured;
  EXPECT_LT(c.ci.upper, 0.99);
}

// The standard pre-LN block with GPT-2 scaling α = 1/sqrt(2·depth): the tokens stay nearly
// unrelated (measured 0.068, interval ±0.007; margin to 0.99 ≈ 130 half-widths): holds.
TEST(TransformerCollapse, Gpt2ScaledPreLnHolds) {
  const ClaimResult c =
      claim(run_check(block_stack("pre", "yes", "1/sqrt(2*depth)")), ClaimId::correlation);
  EXPECT_EQ(c.verdict, Verdict::holds) << c.measured;
  EXPECT_LT(c.measured, 0.2);
}

// Without residuals `variance` still has its oracle: post-LN keeps second moment 1 − O(ε);
// pre-LN's stream is the last MLP branch alone, q = α²·E[m²] (predicted 0.425, measured 0.417 in
// [0.367, 0.467] at the fixed seed): the interval covers the prediction.
TEST(TransformerCollapse, VarianceWithoutResidualKeepsItsPrediction) {
  CheckRequest post = block_stack("post", "no");
  post.claims = {"variance"};
  const ClaimResult p = claim(run_check(post), ClaimId::variance);
  EXPECT_EQ(p.verdict, Verdict::holds);
  EXPECT_NEAR(p.predicted, 1.0, 1e-3);  // LN output: s²/(s² + 1e-5) per token
  CheckRequest pre = block_stack("pre", "no");
  pre.claims = {"variance"};
  const ClaimResult q = claim(run_check(pre), ClaimId::variance);
  EXPECT_LE(q.ci.lower, q.predicted);
  EXPECT_GE(q.ci.upper, q.predicted);
  EXPECT_LT(q.predicted, 0.6);  // not the residual stack's growth
}

// Without skips there is no backward model (the collapsed stream breaks its token-correlation
// assumption: measured ×0.07 over 12 post-LN blocks, the model would say ×1.07), so no gradient
// prediction is shown; with skips the model stays.
// The gradient does vanish there (×0.071, interval [0.057, 0.086] against the band's 0.25:
// ~20 half-widths), and the advice is to add the residuals.
TEST(TransformerCollapse, NoBackwardPredictionWithoutResidual) {
  EXPECT_FALSE(theory::predict_trajectory(make_network_config(block_stack("post", "no")))
                   .backward_predicted);
  EXPECT_TRUE(theory::predict_trajectory(make_network_config(block_stack("post", "yes")))
                  .backward_predicted);
  CheckRequest r = block_stack("post", "no");
  r.claims = {"gradient"};
  const ClaimResult g = claim(run_check(r), ClaimId::gradient);
  EXPECT_EQ(g.verdict, Verdict::violated);
  EXPECT_TRUE(std::isnan(g.predicted));
  EXPECT_NE(g.advice.find("--residual yes"), std::string::npos) << g.advice;
}

// One token per sequence has no token pairs: not applicable, saying why.
TEST(TransformerCollapse, OneTokenIsNotApplicable) {
  CheckRequest r = block_stack("pre", "yes");
  r.tokens = 1;
  const std::string reason =
      claim_descriptor(ClaimId::correlation).not_applicable_reason(make_network_config(r));
  EXPECT_NE(reason.find("no token pairs"), std::string::npos) << reason;
  r.tokens = 2;
  EXPECT_EQ(claim_descriptor(ClaimId::correlation).not_applicable_reason(make_network_config(r)),
            "");
}

}  // namespace
}  // namespace initcheck::claims
