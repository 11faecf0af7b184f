// Vectorized float activation kernels vs the double-precision reference in activation.cpp.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <vector>

#include "initcheck/nn/activation.hpp"
#include "initcheck/nn/layers.hpp"

namespace initcheck::nn {
namespace {

constexpr double kFloatEps = 0x1p-24;  // unit roundoff of float

std::vector<Activation> all_activations() {
  std::vector<Activation> out;
  for (const std::string& name : activation_names()) out.push_back(Activation::parse(name));
  out.push_back(Activation::parse("leaky_relu(0.2)"));
  out.push_back(Activation::parse("elu(0.5)"));
  return out;
}

/// Dense grid on [−20, 20] (step 1/512, exactly representable) plus large and tiny magnitudes.
Eigen::MatrixXf grid() {
  std::vector<float> xs;
  for (int i = -20 * 512; i <= 20 * 512; ++i) xs.push_back(static_cast<float>(i) / 512.0f);
  for (const float m :
       {1e-30f, 1e-12f, 1e-6f, 1e-3f, 25.0f, 30.0f, 50.0f, 87.0f, 88.5f, 89.0f, 100.0f, 1e3f, 1e4f,
        1e8f, 1e30f, std::numeric_limits<float>::max(), std::numeric_limits<float>::denorm_min()}) {
    xs.push_back(m);
    xs.push_back(-m);
  }
  Eigen::MatrixXf x(1, static_cast<Eigen::Index>(xs.size()));
  for (std::size_t i = 0; i < xs.size(); ++i) x(0, static_cast<Eigen::Index>(i)) = xs[i];
  return x;
}

struct ErrorStats {
  double max_rel = 0.0;  // over |ref| ≥ kRelFloor
  double max_abs = 0.0;  // |f − ref| / max(1, |ref|)
};

// Relative error is measured where the reference is not tiny; below that the absolute error
// (scaled by max(1, |ref|)) is the meaningful measure for variance statistics.
constexpr double kRelFloor = 1e-6;

void accumulate(ErrorStats& s, double f, double ref) {
  const double err = std::abs(f - ref);
  if (std::abs(ref) >= kRelFloor) s.max_rel = std::max(s.max_rel, err / std::abs(ref));
  s.max_abs = std::max(s.max_abs, err / std::max(1.0, std::abs(ref)));
}

// Tolerances (measured maxima, Eigen 3.4 / SSE2 build: values rel ≤ 2.7e-7 (gelu tail 1.8e-6),
// abs ≤ 1.9e-7; derivatives rel ≤ 2e-6, abs ≤ 1.9e-7):
// values: ≤ 8 float ulps relative wherever |φ| ≥ 1e-6 except gelu's far lower tail, where the
// exponent −z² (z = |x|/√2) is rounded in float, costing |z²|·2⁻²⁴ relative (≤ 3e-6 for x ≥ −10);
// every value is within 2e-7 absolute (scaled by max(1, |φ|)).
double value_rel_tol(const Activation& a) {
  return a.kind == ActivationKind::gelu ? 4e-6 : 8 * 2 * kFloatEps;
}
// Derivatives: gelu′, silu′ and mish′ have zeros (x ≈ −0.75, −1.28, −1.19) where the formula
// cancels, so their relative error is unbounded there; checked absolutely (≤ 4e-7) everywhere
// and relatively (≤ 5e-6, i.e. ≈ 80 ulps: silu′/mish′ tails add x·σ(x) terms) only away from
// those zeros.
bool derivative_near_zero_crossing(const Activation& a, double x) {
  switch (a.kind) {
    case ActivationKind::gelu: return std::abs(x + 0.7518) < 0.1;
    case ActivationKind::silu: return std::abs(x + 1.2785) < 0.1;
    case ActivationKind::mish: return std::abs(x + 1.1924) < 0.1;
    default: return false;
  }
}

TEST(ActivationKernels, ValuesMatchDoubleReference) {
  const Eigen::MatrixXf x = grid();
  Eigen::MatrixXf h(x.rows(), x.cols());
  for (const Activation& a : all_activations()) {
    activation_forward(a, x, h);
    ErrorStats s;
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const double ref = a.value(x(0, j));
      // selu(FLT_MAX) = λ·FLT_MAX overflows float: +inf is its correctly rounded value.
      if (std::abs(ref) > std::numeric_limits<float>::max()) {
        EXPECT_TRUE(std::isinf(h(0, j))) << a.name();
        continue;
      }
      ASSERT_TRUE(std::isfinite(h(0, j))) << a.name() << " at " << x(0, j);
      accumulate(s, h(0, j), ref);
    }
    std::cout << "[value] " << a.name() << " max_rel=" << s.max_rel << " max_abs=" << s.max_abs
              << "\n";
    EXPECT_LE(s.max_rel, value_rel_tol(a)) << a.name();
    EXPECT_LE(s.max_abs, 2e-7) << a.name();
  }
}

TEST(ActivationKernels, DerivativesMatchDoubleReference) {
  const Eigen::MatrixXf x = grid();
  const Eigen::MatrixXf ones = Eigen::MatrixXf::Ones(x.rows(), x.cols());
  Eigen::MatrixXf d(x.rows(), x.cols());
  for (const Activation& a : all_activations()) {
    activation_backward(a, x, ones, d);
    ErrorStats s;
    double abs_near_zero = 0.0;
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      ASSERT_TRUE(std::isfinite(d(0, j))) << a.name() << " at " << x(0, j);
      const double ref = a.derivative(x(0, j));
      if (derivative_near_zero_crossing(a, x(0, j))) {
        abs_near_zero = std::max(abs_near_zero, std::abs(d(0, j) - ref));
      } else {
        accumulate(s, d(0, j), ref);
      }
    }
    std::cout << "[deriv] " << a.name() << " max_rel=" << s.max_rel << " max_abs=" << s.max_abs
              << " abs_near_zero=" << abs_near_zero << "\n";
    EXPECT_LE(s.max_rel, 5e-6) << a.name();
    EXPECT_LE(s.max_abs, 4e-7) << a.name();
    EXPECT_LE(abs_near_zero, 4e-7) << a.name();
  }
}

TEST(ActivationKernels, ExtremeInputsStayFinite) {
  // Exact expected values in float: the true results round to these (or are subnormal/zero).
  struct Case {
    const char* act;
    float x;
    double expected;
  };
  const Case cases[] = {{"softplus", 100.0f, 100.0},
                        {"silu", -100.0f, 0.0},
                        {"mish", -100.0f, 0.0},
                        {"sigmoid", 100.0f, 1.0},
                        {"sigmoid", -100.0f, 0.0},
                        {"gelu", -10.0f, 0.0},
                        {"tanh", -100.0f, -1.0},
                        {"elu", -1e30f, -1.0},
                        {"selu", -1e30f, -kSeluLambda * kSeluAlpha}};
  for (const Case& c : cases) {
    const Activation a = Activation::parse(c.act);
    Eigen::MatrixXf x = Eigen::MatrixXf::Constant(1, 1, c.x);
    Eigen::MatrixXf h(1, 1);
    activation_forward(a, x, h);
    // 1e-6: the float result of a value of magnitude ≤ 100 is within a few ulps.
    EXPECT_NEAR(h(0, 0), c.expected, 1e-6 * std::max(1.0, std::abs(c.expected))) << c.act;
  }
}

TEST(ActivationKernels, NanInNanOut) {
  Eigen::MatrixXf x(1, 5);
  x << std::numeric_limits<float>::quiet_NaN(), 1.0f, -1.0f,
      std::numeric_limits<float>::quiet_NaN(), 0.5f;
  const Eigen::MatrixXf ones = Eigen::MatrixXf::Ones(1, 5);
  Eigen::MatrixXf h(1, 5);
  Eigen::MatrixXf d(1, 5);
  for (const Activation& a : all_activations()) {
    activation_forward(a, x, h);
    activation_backward(a, x, ones, d);
    EXPECT_TRUE(std::isnan(h(0, 0)) && std::isnan(h(0, 3))) << a.name();
    EXPECT_TRUE(std::isnan(d(0, 0)) && std::isnan(d(0, 3))) << a.name();
    EXPECT_FALSE(std::isnan(h(0, 1)) || std::isnan(d(0, 4))) << a.name();
  }
}

TEST(ActivationKernels, StridedInPlaceAndBlockTailsAgree) {
  // 37 × 29 is not a multiple of the 256-float block; a block of a larger matrix has an outer
  // stride, so both traversal paths run. Packet and scalar tails may use different exp
  // implementations (Eigen's pexp vs libm), so results agree to a few ulps, not bitwise:
  // 1e-6·max(1, |v|) covers 16 ulps.
  Eigen::MatrixXf big(40, 29);
  for (Eigen::Index i = 0; i < big.size(); ++i) {
    big.data()[i] = std::sin(0.37f * static_cast<float>(i)) * 6.0f;
  }
  const Eigen::MatrixXf x = big.topRows(37);
  for (const Activation& a : all_activations()) {
    Eigen::MatrixXf contiguous(37, 29);
    activation_forward(a, x, contiguous);
    Eigen::MatrixXf out_big = Eigen::MatrixXf::Zero(40, 29);
    activation_forward(a, big.topRows(37), out_big.topRows(37));
    EXPECT_TRUE(contiguous.isApprox(out_big.topRows(37), 1e-6f)) << a.name();
    Eigen::MatrixXf in_place = x;
    activation_forward(a, in_place, in_place);
    EXPECT_EQ(contiguous, in_place) << a.name();  // same traversal: bitwise

    const Eigen::MatrixXf g = x.reverse();
    Eigen::MatrixXf dz(37, 29);
    activation_backward(a, x, g, dz);
    Eigen::MatrixXf dz_in_place = g;
    activation_backward(a, x, dz_in_place, dz_in_place);
    EXPECT_EQ(dz, dz_in_place) << a.name();
  }
}

TEST(ActivationKernels, BackwardMatchesCentralDifferencesOfForwardKernel) {
  // L = Σ r ⊙ φ(x) evaluated with the float forward kernel, summed in double; per coordinate
  // (L(x + h) − L(x − h))/2h = r·(φ(x+h) − φ(x−h))/2h. Float rounding of φ contributes
  // ≤ 2·4ulp·|φ|/(2h) ≈ 5e-7·|φ|/h and truncation h²|φ‴|/6; with h = 2⁻⁸ (exact in float) both
  // are ≤ 2e-4·max(1, |φ|) for |x| ≤ 4, so 1e-3·max(1,|φ|) is a safe bound. Points within 3h of
  // a kink (0) are skipped.
  constexpr float kH = 1.0f / 256.0f;
  Eigen::MatrixXf x(1, 161);
  for (Eigen::Index j = 0; j < x.cols(); ++j) {
    x(0, j) = -4.0f + 0.05f * static_cast<float>(j) + 0.0123f;
  }
  const Eigen::MatrixXf r = Eigen::MatrixXf::Ones(1, x.cols());
  Eigen::MatrixXf hp(1, x.cols());
  Eigen::MatrixXf hm(1, x.cols());
  Eigen::MatrixXf d(1, x.cols());
  for (const Activation& a : all_activations()) {
    activation_forward(a, (x.array() + kH).matrix(), hp);
    activation_forward(a, (x.array() - kH).matrix(), hm);
    activation_backward(a, x, r, d);
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      if (std::abs(x(0, j)) < 3 * kH) continue;
      const double numeric = (static_cast<double>(hp(0, j)) - hm(0, j)) / (2.0 * kH);
      EXPECT_NEAR(d(0, j), numeric, 1e-3 * std::max(1.0, std::abs(static_cast<double>(hp(0, j)))))
          << a.name() << " at " << x(0, j);
    }
  }
}

}  // namespace
}  // namespace initcheck::nn
