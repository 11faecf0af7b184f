// The transformer oracle (theory/transformer_trajectory.hpp) where its moments are exact
// algebra — one token (attention returns v), linear φ, ε = 0, Var W = σ²/fan_in — and its
// attention model at the limits it must reach: uniform weights for tiny scores (κ = 1/T, or
// the mean of 1/(i+1) with a causal mask) and the softmax integral against Monte Carlo.

#include "initcheck/theory/transformer_trajectory.hpp"

#include <gtest/gtest.h>

#include "test_schemes.hpp"

namespace initcheck::theory {
namespace {

using testing::fan_in;
using testing::scheme;

/// Exact algebra plus a few products per block (~1e-15 relative each): 1e-12 over ≤ 48
/// blocks is far above rounding and far below a wrong factor (≥ 1e-3).
constexpr double kRel = 1e-12;

model::NetworkConfig transformer(double sigma2, std::int64_t tokens, bool post, bool causal,
                                 int blocks) {
  model::NetworkConfig c;
  c.arch = model::Architecture::transformer;
  c.widths = model::constant_widths(16, blocks);
  c.activation = nn::Activation::parse("linear");
  c.init = scheme([sigma2](const FanInfo& f) { return sigma2 / fan_in(f); });
  c.norm = model::Norm::layernorm;
  c.norm_placement = post ? model::NormPlacement::post : model::NormPlacement::pre;
  c.tokens = tokens;
  c.heads = 2;
  c.mlp_ratio = 2.0;
  c.causal = causal;
  c.branch_scale = 0.8;
  c.bn_eps = 0.0;
  return c;
}

// One token: attention returns v exactly, so each sub-block adds α²σ⁴ to a unit-normalized
// branch input and pre-LN grows additively, q_b = 1 + 2α²σ⁴·b.
TEST(TransformerTrajectory, PreLnOneTokenGrowsAdditively) {
  const double sigma2 = 1.5;
  const PredictedTrajectory t = predict_trajectory(transformer(sigma2, 1, false, false, 48));
  ASSERT_EQ(t.blocks.size(), 48U);
  ASSERT_EQ(t.layers.size(), 4U * 48U);
  const double per_block = 2.0 * 0.64 * sigma2 * sigma2;
  for (std::size_t b = 0; b < t.blocks.size(); ++b) {
    const double expected = 1.0 + per_block * static_cast<double>(b + 1);
    EXPECT_NEAR(t.blocks[b].stream_second_moment, expected, kRel * expected);
  }
  EXPECT_NEAR(t.layers[0].pre_second_moment, sigma2, kRel);           // v
  EXPECT_NEAR(t.layers[1].pre_second_moment, sigma2 * sigma2, kRel);  // W_o·a
}

// Post-LN: the stream is LayerNorm's output after every block (second moment 1 at ε = 0).
TEST(TransformerTrajectory, PostLnStaysAtOne) {
  const PredictedTrajectory t = predict_trajectory(transformer(2.0, 8, true, true, 12));
  for (const BlockPrediction& b : t.blocks) EXPECT_NEAR(b.stream_second_moment, 1.0, kRel);
}

// Tiny weights: scores ≈ 0, attention is uniform over the visible keys, κ = 1/T without a
// mask and mean_i 1/(i + 1) with one. s² = 1e-8 moves κ by O(s²) relative.
TEST(TransformerTrajectory, TinyScoresGiveUniformAttention) {
  const std::vector<TransformerBlockMoments> full =
      transformer_block_moments(transformer(1e-4, 8, false, false, 1));
  EXPECT_NEAR(full[0].self_weight, 1.0 / 8.0, 1e-6);
  EXPECT_NEAR(full[0].attention, full[0].value / 8.0, 1e-6 * full[0].value);
  const std::vector<TransformerBlockMoments> causal =
      transformer_block_moments(transformer(1e-4, 4, false, true, 1));
  EXPECT_NEAR(causal[0].self_weight, (1.0 + 1.0 / 2 + 1.0 / 3 + 1.0 / 4) / 4.0, 1e-6);
}

// Unit scores (σ² = 1, pre-LN: v = 1, s² = 1) over 16 keys: E[Σ_j p_j²] for softmax of 16 iid
// N(0, 1) scores is 0.1322 by Monte Carlo (40,000 draws, standard error 2.5e-4, 2026-12-07);
// the integral must agree within 4 standard errors plus quadrature (1.5e-3).
TEST(TransformerTrajectory, SoftmaxWeightIntegralMatchesMonteCarlo) {
  model::NetworkConfig c = transformer(1.0, 16, false, false, 1);
  const std::vector<TransformerBlockMoments> m = transformer_block_moments(c);
  EXPECT_NEAR(m[0].score_variance, 1.0, kRel);
  EXPECT_NEAR(m[0].self_weight, 0.1322, 1.5e-3);
}

}  // namespace
}  // namespace initcheck::theory
