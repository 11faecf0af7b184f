#include "initcheck/theory/trajectory.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "initcheck/core/error.hpp"
#include "initcheck/theory/gaussian_expectation.hpp"
#include "initcheck/theory/mean_field.hpp"
#include "test_schemes.hpp"

namespace initcheck::theory {
namespace {

using model::Architecture;
using model::NetworkConfig;
using model::Norm;
using testing::fan_in;
using testing::fan_out;
using testing::scheme;

/// The trajectory is built from exact algebra plus quadrature (~1e-15 relative per layer);
/// 1e-12 relative over ≤ 20 layers is far above accumulated rounding and far below any
/// modelling error (a wrong factor is ≥ 1e-3).
constexpr double kRel = 1e-12;

NetworkConfig mlp(std::vector<std::int64_t> widths, const char* act,
                  std::shared_ptr<const init::InitScheme> init) {
  NetworkConfig c;
  c.arch = Architecture::mlp;
  c.widths = std::move(widths);
  c.activation = nn::Activation::parse(act);
  c.init = std::move(init);
  return c;
}

TEST(Trajectory, KaimingReluPreservesEveryLayer) {
  const NetworkConfig c = mlp(model::constant_widths(64, 10), "relu",
                              scheme([](const FanInfo& f) { return 2.0 / fan_in(f); }));
  const PredictedTrajectory t = predict_trajectory(c);
  ASSERT_EQ(t.layers.size(), 10u);
  for (const LayerPrediction& l : t.layers) {
    EXPECT_NEAR(l.gain, 1.0, kRel);
    EXPECT_NEAR(l.pre_second_moment, 2.0, kRel);                        // q_l = 2·E[h²] = 2
    EXPECT_NEAR(l.post_mean, 1.0 / std::sqrt(std::numbers::pi), kRel);  // E[relu(√2 Z)]
    EXPECT_NEAR(l.backward_gain, 1.0, kRel);
    EXPECT_EQ(l.pre_mean, 0.0);
  }
  EXPECT_NEAR(t.cumulative_gain(), 1.0, kRel);
  EXPECT_NEAR(t.grad_input_sq, 1.0, kRel);
}

TEST(Trajectory, OverflowingMomentsStayInfNotNan) {
  // Var = 1 at width 512: ×256 per relu layer, inf from about layer 128. The next layer's mean
  // 0·E[h] used to be 0·inf = NaN, which the moment quadrature rejected.
  const PredictedTrajectory t = predict_trajectory(mlp(
      model::constant_widths(512, 300), "relu", scheme([](const FanInfo& /*f*/) { return 1.0; })));
  ASSERT_EQ(t.layers.size(), 300u);
  EXPECT_EQ(t.layers.back().pre_mean, 0.0);
  EXPECT_EQ(t.layers.back().pre_second_moment, std::numeric_limits<double>::infinity());
  EXPECT_EQ(t.output_second_moment, std::numeric_limits<double>::infinity());
  EXPECT_NEAR(t.layers.front().gain, 256.0, 256.0 * kRel);
}

TEST(Trajectory, XavierReluHalvesAndTorchDefaultSixths) {
  // Xavier, equal widths: Var = 2/(n+n) = 1/n, so a ReLU layer multiplies E[h²] by 1/2.
  const PredictedTrajectory xavier = predict_trajectory(
      mlp(model::constant_widths(32, 8), "relu",
          scheme([](const FanInfo& f) { return 2.0 / (fan_in(f) + fan_out(f)); })));
  for (const LayerPrediction& l : xavier.layers) EXPECT_NEAR(l.gain, 0.5, kRel);
  EXPECT_NEAR(xavier.cumulative_gain(), std::pow(0.5, 8), kRel * std::pow(0.5, 8));

  // torch_default weights: kaiming_uniform(a=√5) → Var = 1/(3 fan_in): gain 1/6 per layer.
  const auto third = [](const FanInfo& f) { return 1.0 / (3.0 * fan_in(f)); };
  const PredictedTrajectory no_bias =
      predict_trajectory(mlp(model::constant_widths(32, 6), "relu", scheme(third)));
  for (const LayerPrediction& l : no_bias.layers) EXPECT_NEAR(l.gain, 1.0 / 6.0, kRel);

  // With its U(±1/√fan_in) bias (Var = 1/(3 fan_in)): E[h_l²] = (E[h_{l−1}²]/3 + 1/(3n))/2.
  const int n = 32;
  const PredictedTrajectory with_bias =
      predict_trajectory(mlp(model::constant_widths(n, 6), "relu", scheme(third, 0.0, third)));
  double m = 1.0;
  for (const LayerPrediction& l : with_bias.layers) {
    const double next = 0.5 * (m / 3.0 + 1.0 / (3.0 * n));
    EXPECT_NEAR(l.post_second_moment, next, kRel * next);
    EXPECT_NEAR(l.bias_variance, 1.0 / (3.0 * n), 1e-18);
    m = next;
  }
}

TEST(Trajectory, BackwardWidthRatiosFanInVersusFanOut) {
  // He et al. 2015: fan_in mode preserves the forward pass and multiplies the per-unit gradient
  // by n_out/n_in per layer; fan_out mode the reverse.
  const std::vector<std::int64_t> widths{64, 128, 32, 256, 16};
  const PredictedTrajectory in_mode = predict_trajectory(
      mlp(widths, "relu", scheme([](const FanInfo& f) { return 2.0 / fan_in(f); })));
  const PredictedTrajectory out_mode = predict_trajectory(
      mlp(widths, "relu", scheme([](const FanInfo& f) { return 2.0 / fan_out(f); })));
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    const double ratio = static_cast<double>(widths[l + 1]) / static_cast<double>(widths[l]);
    EXPECT_NEAR(in_mode.layers[l].gain, 1.0, kRel);
    EXPECT_NEAR(in_mode.layers[l].backward_gain, ratio, kRel * ratio);
    EXPECT_NEAR(out_mode.layers[l].gain, 1.0 / ratio, kRel / ratio);
    EXPECT_NEAR(out_mode.layers[l].backward_gain, 1.0, kRel);
  }
  EXPECT_NEAR(in_mode.grad_input_sq, 16.0 / 64.0, kRel);  // Π n_out/n_in = n_L/n_0
  EXPECT_NEAR(out_mode.grad_input_sq, 1.0, kRel);
}

TEST(Trajectory, TanhMatchesIteratedQMap) {
  // LeCun/Xavier tanh: the trajectory is the q-map iterated from q_0 = σ_w²·1.
  const PredictedTrajectory t =
      predict_trajectory(mlp(model::constant_widths(50, 20), "tanh",
                             scheme([](const FanInfo& f) { return 1.0 / fan_in(f); })));
  const nn::Activation tanh_act = nn::Activation::parse("tanh");
  double q = 1.0;
  for (const LayerPrediction& l : t.layers) {
    EXPECT_NEAR(l.pre_second_moment, q, kRel * q);
    q = q_map(tanh_act, MeanFieldParams{1.0, 0.0}, q);
  }
  // README, "The claims": q_l ≈ 1/(2l) slowly vanishing (within 20 % at l = 20: the 1/(2l) law is
  // asymptotic with log corrections).
  EXPECT_NEAR(t.layers.back().post_second_moment * 2.0 * 20.0, 1.0, 0.2);
}

TEST(Trajectory, ResidualGrowsAsOnePlusAlphaSquaredGain) {
  const int depth = 12;
  for (const double alpha : {1.0, 0.5, 0.1}) {
    // One linear branch layer (not activated), Var = 1/n: E[F²] = E[x²] → (1 + α²)^L.
    NetworkConfig c = mlp(model::constant_widths(64, depth), "relu",
                          scheme([](const FanInfo& f) { return 1.0 / fan_in(f); }));
    c.arch = Architecture::resnet;
    c.block_layers = 1;
    c.branch_scale = alpha;
    const PredictedTrajectory t = predict_trajectory(c);
    ASSERT_EQ(t.blocks.size(), static_cast<std::size_t>(depth));
    for (const BlockPrediction& b : t.blocks) EXPECT_NEAR(b.gain, 1 + alpha * alpha, kRel);
    const double expected = std::pow(1 + alpha * alpha, depth);
    EXPECT_NEAR(t.cumulative_gain(), expected, kRel * expected);
    EXPECT_NEAR(t.grad_input_sq, expected, kRel * expected);  // backward: same factor
    // Two Kaiming layers (relu, then linear): E[F²] = 2E[x²] → (1 + 2α²)^L.
    c.block_layers = 2;
    c.init = scheme([](const FanInfo& f) { return 2.0 / fan_in(f); });
    const PredictedTrajectory t2 = predict_trajectory(c);
    ASSERT_EQ(t2.layers.size(), static_cast<std::size_t>(2 * depth));
    EXPECT_FALSE(t2.layers[1].activated);
    const double expected2 = std::pow(1 + 2 * alpha * alpha, depth);
    EXPECT_NEAR(t2.cumulative_gain(), expected2, kRel * expected2);
  }
}

TEST(Trajectory, BatchNormForcesUnitVarianceWhateverTheScale) {
  for (const double scale : {1e-6, 1.0, 1e4}) {
    NetworkConfig c = mlp(model::constant_widths(32, 6), "relu",
                          scheme([scale](const FanInfo& f) { return scale / fan_in(f); }));
    c.norm = Norm::batchnorm;
    c.bn_eps = 1e-5;
    const PredictedTrajectory t = predict_trajectory(c);
    // Layer 0: within-channel variance σ² = scale·E[x²] = scale; BN output σ²/(σ² + ε).
    EXPECT_NEAR(t.layers[0].norm_second_moment, scale / (scale + 1e-5), kRel);
    // Later layers: σ² = scale·Var(relu(y)) with y ~ N(0, v).
    for (std::size_t l = 1; l < t.layers.size(); ++l) {
      const double v = t.layers[l - 1].norm_second_moment;
      const double var_h = v * (0.5 - 0.5 / std::numbers::pi);
      const double sigma2 = scale * var_h;
      EXPECT_NEAR(t.layers[l].norm_second_moment, sigma2 / (sigma2 + 1e-5), kRel);
    }
  }
}

TEST(Trajectory, BatchNormReluGradientGrowsByPiOverPiMinusOne) {
  // Yang et al. 2019 (mean-field BN): with ε = 0 the ReLU BN net's per-layer backward gain is
  // π/(π − 1) ≈ 1.467 for any init scale.
  NetworkConfig c = mlp(model::constant_widths(64, 8), "relu",
                        scheme([](const FanInfo& f) { return 0.3 / fan_in(f); }));
  c.norm = Norm::batchnorm;
  c.bn_eps = 0.0;
  const PredictedTrajectory t = predict_trajectory(c);
  const double pi = std::numbers::pi;
  for (std::size_t l = 1; l < t.layers.size(); ++l) {
    EXPECT_NEAR(t.layers[l].backward_gain, pi / (pi - 1), kRel);
  }
}

TEST(Trajectory, LayerNormOutputSecondMoment) {
  NetworkConfig c = mlp(model::constant_widths(32, 4), "tanh",
                        scheme([](const FanInfo& f) { return 1e-5 / fan_in(f); }));
  c.norm = Norm::layernorm;
  c.bn_eps = 1e-5;
  const PredictedTrajectory t = predict_trajectory(c);
  // Layer 0: s² = q_0 = 1e-5 → y second moment 1/2.
  EXPECT_NEAR(t.layers[0].norm_second_moment, 0.5, kRel);
  for (const LayerPrediction& l : t.layers) {
    const double s2 = l.pre_second_moment;
    EXPECT_NEAR(l.norm_second_moment, s2 / (s2 + 1e-5), kRel);
  }
}

TEST(Trajectory, ConvZeroPaddingShrinksTheBorder) {
  NetworkConfig c =
      mlp({8, 8, 8}, "relu", scheme([](const FanInfo& f) { return 2.0 / fan_in(f); }));
  c.arch = Architecture::conv;
  c.kernel = 3;
  c.spatial = 16;
  // Without padding every output pixel sees the full receptive field k²·C_in: gain exactly 1.
  c.padding = 0;
  PredictedTrajectory t = predict_trajectory(c);
  EXPECT_EQ(t.layers[0].fan_in, 72);
  EXPECT_NEAR(t.layers[0].gain, 1.0, kRel);
  EXPECT_NEAR(t.layers[1].gain, 1.0, kRel);
  // "Same" padding on 16×16: in-bounds taps average (46/16)² of 9, so layer 0 keeps
  // (46/48)² of the second moment.
  c.padding = -1;
  t = predict_trajectory(c);
  EXPECT_NEAR(t.layers[0].gain, std::pow(46.0 / 48.0, 2), kRel);
  EXPECT_LT(t.layers[1].gain, 1.0);
  // A planted bug (fan without the receptive field: Var = 2/C_in) inflates the gain ≈ k² = 9.
  c.init = scheme([](const FanInfo& f) { return 2.0 / static_cast<double>(f.in_units); });
  c.padding = 0;
  EXPECT_NEAR(predict_trajectory(c).layers[0].gain, 9.0, kRel * 9.0);
}

TEST(Trajectory, NonZeroMeanWeightsShiftThePreActivationMean) {
  // normal(mean=m): E[z_1] = m·n·E[relu(z_0)] with z_0 ~ N(0, n·(v + m²)·1) at layer 0.
  const int n = 16;
  const double m = 0.01;
  const double v = 1.0 / n;
  const PredictedTrajectory t = predict_trajectory(
      mlp(model::constant_widths(n, 2), "relu", scheme([v](const FanInfo&) { return v; }, m)));
  EXPECT_EQ(t.layers[0].pre_mean, 0.0);  // input has mean 0
  const double q0 = n * v;               // + m²·n·Var(x) = n·m²
  EXPECT_NEAR(t.layers[0].pre_second_moment, q0 + n * m * m, kRel);
  EXPECT_NEAR(t.layers[1].pre_mean, m * n * t.layers[0].post_mean, kRel);
}

TEST(Trajectory, UnnormalizedInputSecondMoment) {
  NetworkConfig c = mlp({4, 4}, "relu", scheme([](const FanInfo& f) { return 2.0 / fan_in(f); }));
  EXPECT_EQ(input_second_moment(c), 1.0);
  c.input = model::InputKind::unnormalized;
  c.input_scale_range = 10.0;
  EXPECT_NEAR(input_second_moment(c), (100.0 - 0.01) / (4 * std::log(10.0)), 1e-14);
}

TEST(Trajectory, RejectsMissingInit) {
  NetworkConfig c;
  c.widths = {4, 4};
  EXPECT_THROW((void)predict_trajectory(c), InputError);
}

}  // namespace
}  // namespace initcheck::theory
