#include "initcheck/theory/mean_field.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "initcheck/theory/exact_gain.hpp"
#include "initcheck/theory/gaussian_expectation.hpp"

namespace initcheck::theory {
namespace {

using nn::Activation;

/// Half a unit in the last stated digit of a reference value (published values are rounded).
double half_ulp_of_digits(int decimals) {
  return 0.5 * std::pow(10.0, -decimals);
}

TEST(MeanField, SecondMomentTableOfDesign) {
  struct Row {
    const char* activation;
    double value;
    int decimals;
  };
  const Row rows[] = {{"relu", 0.5, 12},
                      {"leaky_relu(0.01)", 0.50005, 12},
                      {"leaky_relu(0.2)", 0.52, 12},
                      {"tanh", 0.39429449, 8},
                      {"sigmoid", 0.29337904, 8},
                      {"gelu", 0.42522148, 8},
                      {"silu", 0.35577552, 8},
                      {"selu", 1.0, 10},
                      {"elu", 0.64494542, 8}};
  for (const Row& r : rows) {
    EXPECT_NEAR(activation_second_moment(Activation::parse(r.activation)), r.value,
                half_ulp_of_digits(r.decimals))
        << r.activation;
  }
}

TEST(MeanField, ExactGainsOfDesign) {
  EXPECT_NEAR(variance_preserving_gain(Activation::parse("tanh")), 1.5925374, 5e-8);
  EXPECT_NEAR(variance_preserving_gain(Activation::parse("gelu")), 1.5335304, 5e-8);
  EXPECT_NEAR(variance_preserving_gain(Activation::parse("silu")), 1.6765325, 5e-8);
  EXPECT_NEAR(variance_preserving_gain(Activation::parse("sigmoid")), 1.8462285, 5e-8);
  EXPECT_NEAR(variance_preserving_gain(Activation::parse("relu")), std::numbers::sqrt2, 1e-13);
}

TEST(MeanField, SeluFixedPointIsMeanZeroVarianceOne) {
  const Activation selu = Activation::parse("selu");
  // Klambauer et al. 2017: with σ_w² = 1, σ_b = 0, (mean 0, q 1) is a fixed point. The SELU
  // constants are given to 20 digits, so the fixed point holds to rounding (1e-12 margin).
  EXPECT_NEAR(activation_mean(selu), 0.0, 1e-12);
  const QFixedPoint fp = q_fixed_point(selu, MeanFieldParams{1.0, 0.0}, 1.0);
  EXPECT_NEAR(fp.q_star, 1.0, 1e-12);
  EXPECT_TRUE(fp.stable());
  // Started elsewhere, the iteration is attracted to the same point.
  EXPECT_NEAR(q_fixed_point(selu, MeanFieldParams{1.0, 0.0}, 3.0).q_star, 1.0, 1e-10);
}

TEST(MeanField, TanhFiveThirdsFixedPointAndChi) {
  // published reference values: tanh, σ_w = 5/3, σ_b = 0: q* = 1.1785, χ₁ = 1.2098 (4 decimals).
  const Activation tanh_act = Activation::parse("tanh");
  const MeanFieldParams p{25.0 / 9.0, 0.0};
  const PhaseReport r = analyze_phase(tanh_act, p);
  EXPECT_NEAR(r.q_star, 1.1785, 5e-5);
  EXPECT_NEAR(r.chi1, 1.2098, 5e-5);
  EXPECT_EQ(r.phase, Phase::chaotic);
  // q* really is a fixed point, and a stable one.
  EXPECT_NEAR(q_map(tanh_act, p, r.q_star), r.q_star, 1e-12);
  EXPECT_LT(r.q_slope, 1.0);
  // Chaotic with odd φ and no bias: c* = 0, and χ_c < 1 there, so ξ_c is finite.
  EXPECT_NEAR(r.c_star, 0.0, 1e-12);
  EXPECT_LT(r.chi_c, 1.0);
  EXPECT_TRUE(std::isfinite(r.xi_c));
  EXPECT_NEAR(r.xi_q, -1.0 / std::log(r.q_slope), 1e-12);
}

TEST(MeanField, TanhEdgeOfChaosLine) {
  // published reference values (Schoenholz et al. 2017, Fig. 1): σ_b² = 0.05 → σ_w² = 1.7610; 0.10
  // → 1.9861.
  const Activation tanh_act = Activation::parse("tanh");
  EXPECT_NEAR(edge_of_chaos_weight_variance(tanh_act, 0.05), 1.7610, 5e-5);
  EXPECT_NEAR(edge_of_chaos_weight_variance(tanh_act, 0.10), 1.9861, 5e-5);
  // On the line the phase is critical and ξ_c diverges.
  const MeanFieldParams p{edge_of_chaos_weight_variance(tanh_act, 0.05), 0.05};
  const PhaseReport r = analyze_phase(tanh_act, p, 1.0, 1e-6);
  EXPECT_EQ(r.phase, Phase::critical);
  EXPECT_GT(r.xi_c, 1e4);
}

TEST(MeanField, ChaoticWithBiasHasInteriorCorrelationFixedPoint) {
  const Activation tanh_act = Activation::parse("tanh");
  const MeanFieldParams p{4.0, 0.1};
  const PhaseReport r = analyze_phase(tanh_act, p);
  EXPECT_EQ(r.phase, Phase::chaotic);
  ASSERT_GT(r.c_star, 0.0);
  ASSERT_LT(r.c_star, 1.0);
  // c* is a fixed point of the c-map (root tolerance ~1e-15, nested quadrature ~1e-12).
  EXPECT_NEAR(c_map(tanh_act, p, r.q_star, r.c_star), r.c_star, 1e-10);
  // χ_c is the c-map's slope at c*: compare with a central difference (step 1e-4 → error
  // O(h²·C‴) ≈ 1e-8).
  const double h = 1e-4;
  const double slope =
      (c_map(tanh_act, p, r.q_star, r.c_star + h) - c_map(tanh_act, p, r.q_star, r.c_star - h)) /
      (2 * h);
  EXPECT_NEAR(r.chi_c, slope, 1e-6);
}

TEST(MeanField, PhasesOfReluAndTanh) {
  const Activation relu = Activation::parse("relu");
  EXPECT_EQ(analyze_phase(relu, {2.0, 0.0}).phase, Phase::critical);  // He init
  EXPECT_EQ(analyze_phase(relu, {1.0, 0.0}).phase, Phase::ordered);
  EXPECT_EQ(analyze_phase(relu, {3.0, 0.0}).phase, Phase::chaotic);
  EXPECT_EQ(analyze_phase(relu, {1.0, 0.0}).q_star, 0.0);  // collapses
  EXPECT_EQ(analyze_phase(relu, {3.0, 0.0}).q_star, std::numeric_limits<double>::infinity());
  EXPECT_NEAR(analyze_phase(relu, {1.0, 0.5}).q_star, 1.0, 1e-13);  // 0.5/(1 − 1/2)
  const Activation tanh_act = Activation::parse("tanh");
  const PhaseReport ordered = analyze_phase(tanh_act, {0.5, 0.0});
  EXPECT_EQ(ordered.phase, Phase::ordered);
  EXPECT_EQ(ordered.q_star, 0.0);
  EXPECT_NEAR(ordered.chi1, 0.5, 1e-12);  // σ_w²φ′(0)² at q* = 0
  EXPECT_EQ(ordered.c_star, 1.0);
  // Collapsing to q* = 0 the layers act linearly: the c-map tends to the identity (slope 1).
  EXPECT_NEAR(ordered.chi_c, 1.0, 1e-9);
  // With a bias q* > 0: c* = 1, χ_c = χ₁(q*) < 1 and ξ_c = −1/log χ₁ (Schoenholz et al.).
  const PhaseReport biased = analyze_phase(tanh_act, {0.5, 0.1});
  EXPECT_GT(biased.q_star, 0.0);
  EXPECT_EQ(biased.c_star, 1.0);
  EXPECT_NEAR(biased.chi_c, biased.chi1, 1e-12);
  EXPECT_NEAR(biased.xi_c, -1.0 / std::log(biased.chi1), 1e-9);
  EXPECT_LT(biased.chi1, 1.0);
  // ReLU never decorrelates: c* = 1 with slope 1 whatever σ_w (ξ_c = ∞).
  const PhaseReport relu_chaotic = analyze_phase(relu, {3.0, 0.0});
  EXPECT_EQ(relu_chaotic.c_star, 1.0);
  EXPECT_NEAR(relu_chaotic.chi_c, 1.0, 1e-12);
  EXPECT_EQ(phase_name(Phase::chaotic), "chaotic");
}

TEST(MeanField, SlopeMatchesFiniteDifferenceOfQMap) {
  // Stein form of dq/dq vs central difference (h = 1e-4: truncation ~1e-9, rounding ~1e-11).
  for (const std::string& name : nn::activation_names()) {
    const Activation act = Activation::parse(name);
    const MeanFieldParams p{1.7, 0.2};
    const double q = 1.3;
    const double h = 1e-4;
    const double fd = (q_map(act, p, q + h) - q_map(act, p, q - h)) / (2 * h);
    EXPECT_NEAR(q_map_slope(act, p, q), fd, 1e-7) << name;
  }
}

TEST(MeanField, ChiCAtFullCorrelationIsChi1) {
  for (const char* name : {"tanh", "relu", "gelu", "selu"}) {
    const Activation act = Activation::parse(name);
    const MeanFieldParams p{1.5, 0.1};
    EXPECT_NEAR(chi_c(act, p, 0.8, 1.0), chi1(act, p, 0.8), 1e-12) << name;
    EXPECT_NEAR(c_map(act, p, 0.8, 1.0), 1.0, 1e-12) << name;
  }
}

}  // namespace
}  // namespace initcheck::theory
