#include "initcheck/theory/exact_gain.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "initcheck/theory/gaussian_expectation.hpp"
#include "initcheck/theory/mean_field.hpp"

namespace initcheck::theory {
namespace {

using nn::Activation;

TEST(ExactGain, TorchGainsOfDesign) {
  EXPECT_DOUBLE_EQ(*torch_gain(Activation::parse("tanh")), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(*torch_gain(Activation::parse("relu")), std::numbers::sqrt2);
  EXPECT_DOUBLE_EQ(*torch_gain(Activation::parse("leaky_relu(0.2)")), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(*torch_gain(Activation::parse("selu")), 0.75);
  EXPECT_DOUBLE_EQ(*torch_gain(Activation::parse("sigmoid")), 1.0);
  EXPECT_DOUBLE_EQ(*torch_gain(Activation::parse("linear")), 1.0);
  EXPECT_FALSE(torch_gain(Activation::parse("gelu")).has_value());
}

TEST(ExactGain, ReportPutsTheSlopeNextToEachGain) {
  // relu: exact = PyTorch = √2 and the q-map is the identity: slope 1 (marginal).
  const GainReport relu = gain_report(Activation::parse("relu"));
  EXPECT_NEAR(relu.exact_gain, std::numbers::sqrt2, 1e-13);
  EXPECT_NEAR(*relu.ratio, 1.0, 1e-13);
  EXPECT_NEAR(relu.slope, 1.0, 1e-12);
  EXPECT_NEAR(relu.second_moment, 0.5, 1e-14);
  // tanh: exact 1.5925374 vs 5/3; q = 1 is a fixed point with σ_w = exact gain, and its slope
  // equals a finite difference of the q-map (h = 1e-4 → 1e-8 truncation).
  const Activation tanh_act = Activation::parse("tanh");
  const GainReport t = gain_report(tanh_act);
  EXPECT_NEAR(*t.ratio, 1.5925374 / (5.0 / 3.0), 1e-7);
  const MeanFieldParams p{t.exact_gain * t.exact_gain, 0.0};
  EXPECT_NEAR(q_map(tanh_act, p, 1.0), 1.0, 1e-13);
  EXPECT_NEAR(t.slope, (q_map(tanh_act, p, 1.0 + 1e-4) - q_map(tanh_act, p, 1.0 - 1e-4)) / 2e-4,
              1e-7);
  EXPECT_GT(t.slope, 0.0);
  EXPECT_LT(t.slope, 1.0);  // the exact tanh gain's fixed point is stable
  // PyTorch's 5/3 moves the fixed point to q* = 1.1785 (published reference values).
  EXPECT_NEAR(*t.torch_q_star, 1.1785, 5e-5);
  EXPECT_FALSE(gain_report(Activation::parse("silu")).torch.has_value());
}

TEST(ExactGain, FixedPointGainWithBias) {
  for (const char* name : {"tanh", "gelu", "selu"}) {
    const Activation act = Activation::parse(name);
    const double sw = fixed_point_gain(act, 0.1);
    EXPECT_NEAR(q_map(act, MeanFieldParams{sw * sw, 0.1}, 1.0), 1.0, 1e-13) << name;
  }
  EXPECT_THROW((void)fixed_point_gain(Activation::parse("tanh"), 1.0), std::invalid_argument);
  EXPECT_NEAR(fixed_point_gain(Activation::parse("tanh"), 0.0),
              variance_preserving_gain(Activation::parse("tanh")), 1e-15);
}

}  // namespace
}  // namespace initcheck::theory
