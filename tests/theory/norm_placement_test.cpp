// The oracle for resnets with the norm on the stream (pre: x + α·F(N(x)); post:
// N(x + α·F(x))) and for RMSNorm, on linear branches where every moment is exact algebra:
// a two-layer linear branch with Var W = σ²/fan_in multiplies its input's second moment by σ⁴.

#include <gtest/gtest.h>

#include <cmath>

#include "initcheck/theory/gaussian_expectation.hpp"
#include "initcheck/theory/trajectory.hpp"
#include "test_schemes.hpp"

namespace initcheck::theory {
namespace {

using model::Norm;
using model::NormPlacement;
using testing::fan_in;
using testing::scheme;

/// Exact algebra plus a few products per block (~1e-15 relative each): 1e-12 over ≤ 50 blocks
/// is far above rounding and far below a wrong factor (≥ 1e-3).
constexpr double kRel = 1e-12;
constexpr double kSigma2 = 1.5;
constexpr double kAlpha = 0.8;

model::NetworkConfig resnet(Norm norm, NormPlacement placement, int blocks) {
  model::NetworkConfig c;
  c.arch = model::Architecture::resnet;
  c.widths = model::constant_widths(64, blocks);
  c.activation = nn::Activation::parse("linear");
  c.init = scheme([](const FanInfo& f) { return kSigma2 / fan_in(f); });
  c.norm = norm;
  c.norm_placement = placement;
  c.branch_scale = kAlpha;
  c.bn_eps = 0.0;  // exact normalization: the closed forms below hold to rounding
  return c;
}

// Pre: the branch reads a unit input, so every block adds α²σ⁴: q_b = 1 + α²σ⁴·b (linear in
// depth, not geometric). Backward, block b passes α²σ⁴/q_b of the gradient through the branch,
// and Π(1 + α²σ⁴/q_b) telescopes to q_L: the gradient grows like the stream.
TEST(NormPlacementTrajectory, PreGrowsLinearlyInDepth) {
  for (const Norm norm : {Norm::layernorm, Norm::rmsnorm}) {
    const int blocks = 48;
    const PredictedTrajectory t = predict_trajectory(resnet(norm, NormPlacement::pre, blocks));
    const double v = kAlpha * kAlpha * kSigma2 * kSigma2;
    for (int b = 0; b < blocks; ++b) {
      const BlockPrediction& bp = t.blocks[static_cast<std::size_t>(b)];
      EXPECT_NEAR(bp.branch_input_second_moment, 1.0, kRel);
      EXPECT_NEAR(bp.branch_second_moment, kSigma2 * kSigma2, kRel);
      EXPECT_NEAR(bp.stream_second_moment, 1.0 + v * (b + 1), kRel * (1.0 + v * (b + 1)));
    }
    EXPECT_NEAR(t.cumulative_gain(), 1.0 + v * blocks, kRel * v * blocks);
    EXPECT_NEAR(t.grad_input_sq, 1.0 + v * blocks, kRel * v * blocks);
  }
}

// Post: the sum has 1 + α²σ⁴ and the norm brings the stream back to 1 after every block;
// backward, each block multiplies by (1 + α²σ⁴) (both paths) and the norm's 1/(1 + α²σ⁴).
TEST(NormPlacementTrajectory, PostKeepsTheStreamAtOne) {
  for (const Norm norm : {Norm::layernorm, Norm::rmsnorm}) {
    const PredictedTrajectory t = predict_trajectory(resnet(norm, NormPlacement::post, 20));
    const double v = kAlpha * kAlpha * kSigma2 * kSigma2;
    for (const BlockPrediction& bp : t.blocks) {
      EXPECT_NEAR(bp.sum_second_moment, 1.0 + v, kRel);
      EXPECT_NEAR(bp.stream_second_moment, 1.0, kRel);
      EXPECT_NEAR(bp.backward_gain, 1.0, kRel);
    }
  }
}

// Placement none keeps the norm after every branch layer: the branch output is normalized, so
// the stream also grows additively, by α² per block (the init has no effect).
TEST(NormPlacementTrajectory, NormInTheBranchAddsAlphaSquaredPerBlock) {
  const PredictedTrajectory t = predict_trajectory(resnet(Norm::rmsnorm, NormPlacement::none, 10));
  for (std::size_t b = 0; b < t.blocks.size(); ++b) {
    EXPECT_NEAR(t.blocks[b].stream_second_moment,
                1.0 + kAlpha * kAlpha * static_cast<double>(b + 1), kRel * 10);
  }
}

// RMSNorm after each layer: y = z/√(E[z²] + ε) has second moment q/(q + ε) and keeps z's
// mean (scaled by the same factor; LayerNorm would centre it). Weights with a positive mean
// after a ReLU give z a mean from layer 1 on.
TEST(NormPlacementTrajectory, RmsNormOutputSecondMomentAndMean) {
  model::NetworkConfig c;
  c.widths = model::constant_widths(32, 3);
  c.activation = nn::Activation::parse("relu");
  c.init = scheme([](const FanInfo& f) { return 2.0 / fan_in(f); }, 0.01);
  c.norm = Norm::rmsnorm;
  c.bn_eps = 1e-5;
  const PredictedTrajectory t = predict_trajectory(c);
  for (const LayerPrediction& l : t.layers) {
    const double q = l.pre_second_moment;
    const double s = 1.0 / std::sqrt(q + 1e-5);
    EXPECT_NEAR(l.norm_second_moment, q * s * s, kRel);
    const ActivationMoments m =
        activation_moments(c.activation, l.pre_mean * s, (q - l.pre_mean * l.pre_mean) * s * s);
    EXPECT_NEAR(l.post_mean, m.mean, kRel);
  }
  EXPECT_GT(t.layers[1].pre_mean, 0.01);  // the mean the norm must keep
}

}  // namespace
}  // namespace initcheck::theory
