#include "initcheck/theory/pair_correlation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "initcheck/theory/gaussian_expectation.hpp"
#include "initcheck/theory/mean_field.hpp"
#include "test_schemes.hpp"

namespace initcheck::theory {
namespace {

using model::Architecture;
using model::NetworkConfig;
using testing::fan_in;
using testing::scheme;

/// Nested double-exponential quadrature (~1e-12); 1e-9 is far above it and far below any wrong
/// factor in the recursion (≥ 1e-3 at these depths).
constexpr double kTol = 1e-9;

NetworkConfig mlp(int depth, const char* act, std::shared_ptr<const init::InitScheme> init) {
  NetworkConfig c;
  c.arch = Architecture::mlp;
  c.widths = model::constant_widths(64, depth);
  c.activation = nn::Activation::parse(act);
  c.init = std::move(init);
  return c;
}

PairCosinePrediction predict(const NetworkConfig& c, double c0 = 0.5) {
  return predict_pair_cosines(c, predict_trajectory(c), c0);
}

// Kaiming ReLU, no bias: the pre-activation correlation of layer l+1 is the cosine of layer l's
// output, which is the arc-cosine kernel f(c) = (√(1−c²) + (π − arccos c)·c)/π (Cho & Saul 2009).
TEST(PairCorrelation, KaimingReluFollowsTheArcCosineKernel) {
  const PairCosinePrediction p =
      predict(mlp(12, "relu", scheme([](const FanInfo& f) { return 2.0 / fan_in(f); })));
  ASSERT_TRUE(p.unavailable.empty());
  ASSERT_EQ(p.cosine.size(), 13U);
  double c = 0.5;
  EXPECT_EQ(p.cosine[0], 0.5);
  for (std::size_t l = 1; l < p.cosine.size(); ++l) {
    c = (std::sqrt(1.0 - c * c) + (std::numbers::pi - std::acos(c)) * c) / std::numbers::pi;
    EXPECT_NEAR(p.cosine[l], c, kTol) << "layer " << l;
  }
  EXPECT_GT(p.cosine.back(), 0.9);  // ReLU correlations creep toward 1 (χ_c = 1 at c = 1)
}

// With a bias and a varying q (tanh in the ordered phase), each layer's pre-activation
// correlation is theory::c_map at the previous layer's q, and the output cosine is φ's
// normalized cross moment at the layer's own q.
TEST(PairCorrelation, TanhWithBiasIsTheCMapAtEachLayersQ) {
  const NetworkConfig c = mlp(8, "tanh",
                              scheme([](const FanInfo& f) { return 0.5 / fan_in(f); }, 0.0,
                                     [](const FanInfo&) { return 0.05; }));
  const PredictedTrajectory t = predict_trajectory(c);
  const PairCosinePrediction p = predict_pair_cosines(c, t, 0.5);
  ASSERT_EQ(p.cosine.size(), 9U);
  const nn::Activation tanh = c.activation;
  const MeanFieldParams params{0.5, 0.05};
  // Layer 1 reads the input (second moment 1, cross moment c₀); later layers the c-map.
  double corr = (0.5 * 0.5 + 0.05) / (0.5 + 0.05);
  const std::vector<double> kink{0.0};
  const auto phi = [&tanh](double x) { return tanh.value(x); };
  for (std::size_t l = 1; l <= 8; ++l) {
    const double q = t.layers[l - 1].pre_second_moment;
    if (l > 1) corr = c_map(tanh, params, t.layers[l - 2].pre_second_moment, corr);
    const double cosine = correlated_product_expectation(phi, phi, q, q, corr, kink, kink) /
                          activation_second_moment(tanh, q);
    EXPECT_NEAR(p.cosine[l], cosine, kTol) << "layer " << l;
  }
  EXPECT_GT(p.cosine.back(), 0.95);  // ordered phase: the pair collapses
}

// ReLU, leaky ReLU and linear layers use the closed form (1 − a)²·K(c) + a·q·c; with a bias and a
// non-critical gain (q changes per layer) it must equal the nested quadrature of the same
// recursion — the quadrature's ~1e-12 error is far inside kTol, a wrong kernel term is ≥ 1e-3.
TEST(PairCorrelation, PiecewiseLinearClosedFormMatchesQuadrature) {
  for (const char* act : {"relu", "leaky_relu(0.2)", "leaky_relu(-0.5)", "linear"}) {
    const NetworkConfig c = mlp(6, act,
                                scheme([](const FanInfo& f) { return 1.6 / fan_in(f); }, 0.0,
                                       [](const FanInfo&) { return 0.1; }));
    const PredictedTrajectory t = predict_trajectory(c);
    const PairCosinePrediction p = predict_pair_cosines(c, t, 0.5);
    ASSERT_EQ(p.cosine.size(), 7U) << act;
    const nn::Activation phi_act = c.activation;
    const auto phi = [&phi_act](double x) { return phi_act.value(x); };
    const std::vector<double> kink{0.0};
    double cross = 0.5;  // input moments: second moment 1, cross moment c₀
    double second = 1.0;
    for (std::size_t l = 1; l <= 6; ++l) {
      const double q = t.layers[l - 1].pre_second_moment;
      const double corr = (1.6 * cross + 0.1) / (1.6 * second + 0.1);
      cross = correlated_product_expectation(phi, phi, q, q, corr, kink, kink);
      second = activation_second_moment(phi_act, q);
      EXPECT_NEAR(p.cosine[l], cross / second, kTol) << act << " layer " << l;
    }
  }
}

// Linear layers without bias, dense or residual, keep inner products in proportion.
TEST(PairCorrelation, LinearNetworksKeepTheInputCosine) {
  NetworkConfig c = mlp(5, "linear", scheme([](const FanInfo& f) { return 1.7 / fan_in(f); }));
  for (double v : predict(c, 0.3).cosine) EXPECT_NEAR(v, 0.3, kTol);
  c.arch = Architecture::resnet;
  c.branch_scale = 0.7;
  const PairCosinePrediction r = predict(c, 0.3);
  ASSERT_EQ(r.cosine.size(), 6U);
  for (double v : r.cosine) EXPECT_NEAR(v, 0.3, kTol);
}

// ReLU resnet: the stream mixes the identity (cosine kept) with the branch (cosine raised).
TEST(PairCorrelation, ResnetStreamAddsTheBranch) {
  NetworkConfig c = mlp(3, "relu", scheme([](const FanInfo& f) { return 2.0 / fan_in(f); }));
  c.arch = Architecture::resnet;
  c.block_layers = 2;
  c.branch_scale = 1.0;
  const PairCosinePrediction p = predict(c);
  ASSERT_EQ(p.cosine.size(), 4U);
  // Block 1 (stream S = c₀, M = 1): the ReLU layer gives q = 2, cross moment f(c₀), second
  // moment 1; the un-activated last layer (σ_w² = 2) gives the branch S_F = 2f(c₀), M_F = 2; so
  // the stream's cosine is (c₀ + 2f(c₀))/(1 + 2).
  const double f = (std::sqrt(0.75) + (std::numbers::pi - std::acos(0.5)) * 0.5) / std::numbers::pi;
  EXPECT_NEAR(p.cosine[1], (0.5 + 2.0 * f) / 3.0, kTol);
  EXPECT_GT(p.cosine[3], p.cosine[2]);
  EXPECT_GT(p.cosine[2], p.cosine[1]);
}

TEST(PairCorrelation, NoPredictionWhereTheRecursionDoesNotHold) {
  const auto kaiming = scheme([](const FanInfo& f) { return 2.0 / fan_in(f); });
  NetworkConfig norm = mlp(3, "relu", kaiming);
  norm.norm = model::Norm::layernorm;
  EXPECT_TRUE(predict(norm).cosine.empty());
  EXPECT_NE(predict(norm).unavailable.find("normalization"), std::string::npos);
  NetworkConfig conv = mlp(3, "tanh", kaiming);
  conv.arch = Architecture::conv;
  conv.widths = {3, 8, 8, 8};
  conv.spatial = 6;
  EXPECT_NE(predict(conv).unavailable.find("conv"), std::string::npos);
  conv.activation = nn::Activation::parse("relu");
  EXPECT_EQ(predict(conv).cosine.size(), 4U);  // homogeneous φ, no bias: per-pixel recursion
  const NetworkConfig shifted = mlp(3, "relu", scheme([](const FanInfo&) { return 0.01; }, 0.1));
  EXPECT_NE(predict(shifted).unavailable.find("non-zero-mean"), std::string::npos);
  EXPECT_THROW(predict(norm, 1.5), std::invalid_argument);
}

}  // namespace
}  // namespace initcheck::theory
