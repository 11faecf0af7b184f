// Known answers: PyTorch's calculate_gain, fan computation, truncated-normal constants.
#include "initcheck/init/torch_gain.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "initcheck/core/error.hpp"
#include "initcheck/core/fan_info.hpp"
#include "initcheck/init/weight_laws.hpp"

namespace initcheck::init {
namespace {

// Gains are the same closed forms as torch/nn/init.py; EXPECT_DOUBLE_EQ (4 ulp) covers the
// single rounding of each.
TEST(TorchGain, Table) {
  for (const char* unit : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                           "conv_transpose2d", "conv_transpose3d", "sigmoid"}) {
    EXPECT_DOUBLE_EQ(torch_calculate_gain(unit), 1.0) << unit;
  }
  EXPECT_DOUBLE_EQ(torch_calculate_gain("tanh"), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(torch_calculate_gain("relu"), std::numbers::sqrt2);
  EXPECT_DOUBLE_EQ(torch_calculate_gain("selu"), 0.75);
  // leaky_relu: default negative slope 0.01 when the param is omitted; an explicit 0 is used.
  EXPECT_DOUBLE_EQ(torch_calculate_gain("leaky_relu"), std::sqrt(2.0 / (1.0 + 0.01 * 0.01)));
  EXPECT_DOUBLE_EQ(torch_calculate_gain("leaky_relu", 0.0), std::numbers::sqrt2);
  EXPECT_DOUBLE_EQ(torch_calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_DOUBLE_EQ(torch_calculate_gain("leaky_relu", std::sqrt(5.0)), std::sqrt(1.0 / 3.0));
  // The param is ignored by every other nonlinearity.
  EXPECT_DOUBLE_EQ(torch_calculate_gain("relu", 0.3), std::numbers::sqrt2);
}

TEST(TorchGain, UnknownNonlinearityIsAnInputError) {
  for (const char* bad : {"gelu", "Relu", "", "leaky relu"}) {
    try {
      (void)torch_calculate_gain(bad);
      ADD_FAILURE() << bad;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("unsupported nonlinearity"), std::string::npos);
      EXPECT_NE(std::string(e.what()).find("leaky_relu"), std::string::npos);
    }
  }
  EXPECT_THROW((void)torch_calculate_gain("leaky_relu", NAN), InputError);
}

// PyTorch _calculate_fan_in_and_fan_out on a (out, in/groups, kh, kw) weight.
TEST(FanInfo, DenseConvAndGroupedConv) {
  const FanInfo dense = dense_fan(300, 200);
  EXPECT_EQ(dense.fan_in(), 300);
  EXPECT_EQ(dense.fan_out(), 200);
  EXPECT_DOUBLE_EQ(dense.fan_avg(), 250.0);
  EXPECT_EQ(dense.rows(), 200);
  EXPECT_EQ(dense.cols(), 300);

  const FanInfo conv{64, 128, 9, 1};  // Conv2d(64, 128, 3): weight (128, 64, 3, 3)
  EXPECT_EQ(conv.fan_in(), 576);
  EXPECT_EQ(conv.fan_out(), 1152);
  EXPECT_EQ(conv.cols(), 576);

  const FanInfo grouped{64, 128, 9, 4};  // groups=4: weight (128, 16, 3, 3)
  EXPECT_EQ(grouped.fan_in(), 144);
  EXPECT_EQ(grouped.fan_out(), 1152);  // groups do not divide fan_out in PyTorch
  EXPECT_EQ(grouped.rows(), 128);
  EXPECT_EQ(grouped.cols(), 144);

  const FanInfo depthwise{32, 32, 25, 32};  // depthwise 5×5: weight (32, 1, 5, 5)
  EXPECT_EQ(depthwise.fan_in(), 25);
  EXPECT_EQ(depthwise.fan_out(), 800);
}

// Std of N(0,1) truncated at ±2: the JAX/Keras constant 0.87962566103423978 and the published
// reference variance. Closed form via erf/exp (each ≤ 1 ulp): 1e-15 absolute is ≈ 5 ulp.
TEST(TruncatedNormal, ConstantsAtTwo) {
  EXPECT_NEAR(std::sqrt(truncated_normal_variance_factor(2.0)), kTruncatedNormalStd2, 1e-15);
  EXPECT_NEAR(truncated_normal_variance_factor(2.0), 0.77374130354992324, 1e-15);
}

// The closed-form moments against Simpson quadrature of z²φ and z⁴φ on [−c, c] (20000
// intervals: error ≈ h⁴·max|f⁗| ≈ 1e-16, far below the 1e-12 tolerance).
TEST(TruncatedNormal, MomentsMatchQuadrature) {
  for (double c : {0.25, 0.75, 1.0, 2.0, 3.0}) {
    constexpr int kIntervals = 20000;
    const double h = 2 * c / kIntervals;
    double m0 = 0;
    double m2 = 0;
    double m4 = 0;
    for (int i = 0; i <= kIntervals; ++i) {
      const double z = -c + i * h;
      const double w = (i == 0 || i == kIntervals) ? 1 : (i % 2 == 1 ? 4 : 2);
      const double f = w * std::exp(-0.5 * z * z);
      m0 += f;
      m2 += f * z * z;
      m4 += f * z * z * z * z;
    }
    const double var = m2 / m0;
    EXPECT_NEAR(truncated_normal_variance_factor(c), var, 1e-12) << c;
    EXPECT_NEAR(truncated_normal_kurtosis(c), (m4 / m0) / (var * var), 1e-10) << c;
  }
  EXPECT_NEAR(truncated_normal_kurtosis(2.0), 2.3655367171296495, 1e-12);
}

// Extreme cuts: c → 0 is the uniform law on ±c (Var = c²/3·(1 − 2c²/15 + O(c⁴)), κ = 9/5·(1 +
// 8c²/105 + O(c⁴))), where the closed forms cancel to 0; c → ∞ is the normal law, where c³φ(c)
// was inf·0 = NaN.
TEST(TruncatedNormal, ExtremeCuts) {
  for (double c : {1e-300, 1e-8, 1e-3}) {
    EXPECT_NEAR(truncated_normal_variance_factor(c), c * c / 3 * (1 - 2 * c * c / 15),
                1e-10 * c * c)
        << c;
    EXPECT_NEAR(truncated_normal_kurtosis(c), 1.8 * (1 + 8 * c * c / 105), 1e-5) << c;
  }
  // Continuous across the switch from the series to the closed forms at c = 1.
  EXPECT_NEAR(truncated_normal_variance_factor(std::nextafter(1.0, 0.0)),
              truncated_normal_variance_factor(1.0), 1e-14);
  EXPECT_NEAR(truncated_normal_kurtosis(std::nextafter(1.0, 0.0)), truncated_normal_kurtosis(1.0),
              1e-13);
  for (double c : {40.0, 1e10, 1e300}) {
    EXPECT_EQ(truncated_normal_variance_factor(c), 1.0) << c;
    EXPECT_EQ(truncated_normal_kurtosis(c), 3.0) << c;
  }
}

}  // namespace
}  // namespace initcheck::init
