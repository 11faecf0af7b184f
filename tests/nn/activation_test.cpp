#include "initcheck/nn/activation.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "initcheck/core/error.hpp"

namespace initcheck::nn {
namespace {

TEST(Activation, ParsesEveryName) {
  for (const std::string& name : activation_names()) {
    const Activation a = Activation::parse(name);
    EXPECT_EQ(a.base_name(), name);
    EXPECT_EQ(Activation::parse(a.name()).name(), a.name());
  }
}

TEST(Activation, ParsesParameters) {
  EXPECT_DOUBLE_EQ(Activation::parse("leaky_relu").param, 0.01);
  EXPECT_DOUBLE_EQ(Activation::parse("leaky_relu(0.2)").param, 0.2);
  EXPECT_DOUBLE_EQ(Activation::parse(" leaky_relu( a = 0.2 ) ").param, 0.2);
  EXPECT_DOUBLE_EQ(Activation::parse("elu(alpha=0.5)").param, 0.5);
  EXPECT_EQ(Activation::parse("leaky_relu(0.2)").name(), "leaky_relu(0.2)");
}

TEST(Activation, RejectsBadInputWithMessage) {
  try {
    (void)Activation::parse("rleu");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown activation 'rleu'"), std::string::npos);
  }
  EXPECT_THROW((void)Activation::parse("relu(2)"), InputError);
  EXPECT_THROW((void)Activation::parse("leaky_relu(x)"), InputError);
  EXPECT_THROW((void)Activation::parse("leaky_relu(nan)"), InputError);
  EXPECT_THROW((void)Activation::parse("leaky_relu(0.2"), InputError);
  EXPECT_THROW((void)Activation::parse("elu(-1)"), InputError);
  EXPECT_THROW((void)Activation::parse(""), InputError);
}

TEST(Activation, KnownValues) {
  // Tolerance 1e-15: each reference is a closed form evaluated in double.
  EXPECT_NEAR(Activation::parse("selu").value(-1e9), -kSeluLambda * kSeluAlpha, 1e-15);
  EXPECT_NEAR(Activation::parse("gelu").value(1.0), 0.8413447460685429, 1e-15);
  EXPECT_NEAR(Activation::parse("softplus").value(0.0), std::log(2.0), 1e-15);
  EXPECT_NEAR(Activation::parse("softplus").value(800.0), 800.0, 1e-12);
  EXPECT_NEAR(Activation::parse("mish").value(1.0), 0.8650983882673103, 1e-15);
  EXPECT_NEAR(Activation::parse("silu").value(-800.0), 0.0, 1e-15);
}

TEST(Activation, DerivativesMatchCentralDifferences) {
  // Central difference with h = 1e-5 has truncation error O(h²·|φ'''|) ≈ 1e-10 and rounding
  // error ≈ 1e-16/h ≈ 1e-11, so 1e-8 is a safe tolerance away from kinks.
  constexpr double kH = 1e-5;
  for (const std::string& name : activation_names()) {
    const Activation a = Activation::parse(name);
    for (double x = -4.0; x <= 4.0; x += 0.37) {
      if (std::abs(x) < 1e-3) continue;
      const double numeric = (a.value(x + kH) - a.value(x - kH)) / (2 * kH);
      EXPECT_NEAR(a.derivative(x), numeric, 1e-8) << name << " at " << x;
    }
  }
}

}  // namespace
}  // namespace initcheck::nn
