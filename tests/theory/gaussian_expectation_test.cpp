#include "initcheck/theory/gaussian_expectation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace initcheck::theory {
namespace {

using nn::Activation;

constexpr double kPi = std::numbers::pi;

/// Quadrature against closed forms: the oracle promises ≥ 10 significant digits; the
/// double-exponential rules reach ~1e-15, so 1e-12 relative leaves margin for rounding in the
/// closed forms themselves (erfc, exp) and still fails any real loss of accuracy.
constexpr double kClosedFormRel = 1e-12;

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}
double normal_pdf(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * kPi);
}

void expect_rel(double actual, double expected, double rel) {
  EXPECT_NEAR(actual, expected, rel * std::abs(expected)) << "expected " << expected;
}

TEST(GaussianExpectation, PolynomialMomentsWithShiftedMean) {
  for (const double mean : {0.0, 0.7, -2.5}) {
    for (const double var : {1e-6, 0.3, 1.0, 40.0}) {
      const std::vector<double> kinks{0.0};
      expect_rel(gaussian_expectation([](double x) { return x * x; }, mean, var, kinks),
                 mean * mean + var, kClosedFormRel);
      expect_rel(gaussian_expectation([](double x) { return x * x * x * x; }, mean, var),
                 std::pow(mean, 4) + 6 * mean * mean * var + 3 * var * var, kClosedFormRel);
    }
  }
  EXPECT_DOUBLE_EQ(gaussian_expectation([](double x) { return x + 1; }, 2.0, 0.0), 3.0);
}

TEST(GaussianExpectation, ReluMomentsWithShiftedMean) {
  // Rectified Gaussian: E[relu X] = μΦ(μ/σ) + σφ(μ/σ), E[relu² X] = (μ²+σ²)Φ(μ/σ) + μσφ(μ/σ).
  // |μ/σ| ≤ 6 keeps the closed forms themselves free of cancellation.
  const Activation relu = Activation::parse("relu");
  for (const double mean : {0.0, 0.3, -1.7, 4.0}) {
    for (const double var : {0.5, 1.0, 9.0}) {
      const double s = std::sqrt(var);
      const double a = mean / s;
      const ActivationMoments m = activation_moments(relu, mean, var);
      expect_rel(m.mean, mean * normal_cdf(a) + s * normal_pdf(a), kClosedFormRel);
      expect_rel(m.second_moment, (mean * mean + var) * normal_cdf(a) + mean * s * normal_pdf(a),
                 kClosedFormRel);
      expect_rel(m.derivative_second_moment, normal_cdf(a), kClosedFormRel);
    }
  }
}

TEST(GaussianExpectation, PiecewiseLinearMomentsMatchClosedForms) {
  for (const double q : {0.25, 1.0, 3.0}) {
    expect_rel(activation_second_moment(Activation::parse("relu"), q), 0.5 * q, kClosedFormRel);
    expect_rel(activation_mean(Activation::parse("relu"), q), std::sqrt(q / (2 * kPi)),
               kClosedFormRel);
    expect_rel(activation_second_moment(Activation::parse("linear"), q), q, kClosedFormRel);
    for (const double a : {0.01, 0.2, -0.5}) {
      const Activation leaky{nn::ActivationKind::leaky_relu, a};
      expect_rel(activation_second_moment(leaky, q), 0.5 * (1 + a * a) * q, kClosedFormRel);
      expect_rel(activation_mean(leaky, q), (1 - a) * std::sqrt(q / (2 * kPi)), kClosedFormRel);
      expect_rel(derivative_second_moment(leaky, q), 0.5 * (1 + a * a), kClosedFormRel);
    }
  }
}

TEST(GaussianExpectation, SmoothActivationsMatchClosedForms) {
  // gelu: E[zΦ(z)] = 1/(2√π); E[z²Φ(z)²] = 1/3 + 1/(2π√3) (Stein's lemma twice).
  const Activation gelu = Activation::parse("gelu");
  expect_rel(activation_mean(gelu), 0.5 / std::sqrt(kPi), kClosedFormRel);
  expect_rel(activation_second_moment(gelu), 1.0 / 3.0 + 1.0 / (2 * kPi * std::sqrt(3.0)),
             kClosedFormRel);
  // elu(α): E[φ²] = 1/2 + α²(e²Φ(−2) − 2e^{1/2}Φ(−1) + 1/2), from E[e^{tZ}; Z<0] = e^{t²/2}Φ(−t).
  const double tail = std::exp(2.0) * normal_cdf(-2.0) - 2 * std::exp(0.5) * normal_cdf(-1.0) + 0.5;
  for (const double alpha : {1.0, 0.5}) {
    const Activation elu{nn::ActivationKind::elu, alpha};
    expect_rel(activation_second_moment(elu), 0.5 + alpha * alpha * tail, kClosedFormRel);
    // E[φ′²] = 1/2 + α²E[e^{2Z}; Z<0] = 1/2 + α²e²Φ(−2).
    expect_rel(derivative_second_moment(elu),
               0.5 + alpha * alpha * std::exp(2.0) * normal_cdf(-2.0), kClosedFormRel);
  }
  // selu: λ²(1/2 + α²·tail) and mean λ(1/√(2π) + α(e^{1/2}Φ(−1) − 1/2)).
  const Activation selu = Activation::parse("selu");
  const double l = nn::kSeluLambda;
  const double al = nn::kSeluAlpha;
  expect_rel(activation_second_moment(selu), l * l * (0.5 + al * al * tail), kClosedFormRel);
  EXPECT_NEAR(activation_mean(selu),
              l * (1 / std::sqrt(2 * kPi) + al * (std::exp(0.5) * normal_cdf(-1.0) - 0.5)),
              kClosedFormRel);
  // sigmoid is ½ + an odd function: E[σ(√q Z)] = ½ exactly.
  expect_rel(activation_mean(Activation::parse("sigmoid"), 2.0), 0.5, kClosedFormRel);
}

TEST(GaussianExpectation, SteinIdentityHoldsForEveryActivation) {
  // E[Z·φ(√q Z)] = √q·E[φ′(√q Z)] for absolutely continuous φ: a closed-form-free check of the
  // kink handling for every activation (both sides by quadrature; 1e-11 relative since two
  // independent quadratures each carry ~1e-14).
  for (const std::string& name : nn::activation_names()) {
    const Activation act = Activation::parse(name);
    const std::vector<double> kinks{0.0};
    for (const double q : {0.5, 2.0}) {
      const double lhs = gaussian_expectation(
          [&](double x) { return x / std::sqrt(q) * act.value(x); }, 0.0, q, kinks);
      const double rhs =
          std::sqrt(q) *
          gaussian_expectation([&](double x) { return act.derivative(x); }, 0.0, q, kinks);
      EXPECT_NEAR(lhs, rhs, 1e-11 * std::abs(rhs)) << name << " q=" << q;
    }
  }
}

TEST(GaussianExpectation, TruncatedNormalConstants) {
  // published reference values: variance 0.77374130354992324, std factor 0.87962566103423975 (to
  // 1e-14: indicator integrands split exactly at ±2 are smooth on every piece).
  EXPECT_NEAR(truncated_normal_variance_by_quadrature(2.0), 0.77374130354992324, 1e-14);
  EXPECT_NEAR(std::sqrt(truncated_normal_variance_by_quadrature(2.0)), 0.87962566103423975, 1e-14);
}

TEST(GaussianExpectation, CorrelatedProductMatchesArcCosineKernel) {
  // Cho & Saul 2009: E[relu u₁ relu u₂] = q(√(1−c²) + (π − arccos c)c)/(2π) and
  // E[1{u₁>0}1{u₂>0}] = (π − arccos c)/(2π); linear: c·q.
  const Activation relu = Activation::parse("relu");
  const std::vector<double> kinks{0.0};
  const auto f = [&](double x) { return relu.value(x); };
  const auto df = [&](double x) { return relu.derivative(x); };
  const double q = 1.7;
  for (const double c : {-1.0, -0.6, 0.0, 0.3, 0.9, 0.999, 0.999999, 1.0}) {
    const double k1 = q * (std::sqrt(1 - c * c) + (kPi - std::acos(c)) * c) / (2 * kPi);
    const double k0 = (kPi - std::acos(c)) / (2 * kPi);
    // Nested quadrature: the inner integrand becomes a steep step as c → 1, so 1e-10 absolute.
    EXPECT_NEAR(correlated_product_expectation(f, f, q, q, c, kinks, kinks), k1, 1e-10) << c;
    EXPECT_NEAR(correlated_product_expectation(df, df, q, q, c, kinks, kinks), k0, 1e-10) << c;
    EXPECT_NEAR(correlated_product_expectation([](double x) { return x; },
                                               [](double x) { return x; }, q, 0.5, c),
                c * std::sqrt(q * 0.5), 1e-12);
  }
}

TEST(GaussianExpectation, OverflowedExpectationIsInfinite) {
  // E[X²] = 1e305 at variance 1e305: the weighted integrand passes the 1e298 guard.
  const double inf = std::numeric_limits<double>::infinity();
  const auto square = [](double x) { return x * x; };
  const auto minus_square = [](double x) { return -x * x; };
  EXPECT_EQ(gaussian_expectation(square, 0.0, 1e305), inf);
  EXPECT_EQ(gaussian_expectation(minus_square, 0.0, 1e305), -inf);
  // Below the guard the value is still exact (relative 1e-12: the rules' ~1e-14 plus margin).
  EXPECT_NEAR(gaussian_expectation(square, 0.0, 1e290) / 1e290, 1.0, 1e-12);
}

TEST(GaussianExpectation, RejectsInvalidArguments) {
  const auto f = [](double x) { return x; };
  EXPECT_THROW((void)gaussian_expectation(f, 0.0, -1.0), std::invalid_argument);
  EXPECT_THROW((void)gaussian_expectation(f, std::nan(""), 1.0), std::invalid_argument);
  EXPECT_THROW((void)correlated_product_expectation(f, f, 1.0, 1.0, 1.5), std::invalid_argument);
}

}  // namespace
}  // namespace initcheck::theory
