#include "initcheck/theory/precision_prediction.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

#include "initcheck/core/error.hpp"
#include "initcheck/precision/rounding.hpp"

namespace initcheck::theory {
namespace {

using precision::Format;

float below(double x) {
  return std::nextafter(static_cast<float>(x), 0.0f);
}
float above(double x) {
  return std::nextafter(static_cast<float>(x), std::numeric_limits<float>::infinity());
}

TEST(PrecisionPrediction, ThresholdsMatchDesignAndTheRoundingModule) {
  const FormatThresholds h = format_thresholds(Format::fp16);
  EXPECT_EQ(h.min_subnormal, std::ldexp(1.0, -24));
  EXPECT_EQ(h.min_normal, std::ldexp(1.0, -14));
  EXPECT_EQ(h.max_finite, 65504.0);
  EXPECT_EQ(h.overflow, 65520.0);
  const FormatThresholds b = format_thresholds(Format::bf16);
  EXPECT_NEAR(b.max_finite, 3.3895314e38, 1e31);
  EXPECT_EQ(b.overflow, std::ldexp(1.0, 128) * (1 - std::ldexp(1.0, -9)));
  EXPECT_EQ(b.min_subnormal, std::ldexp(1.0, -133));
  // Each threshold sits exactly where the bit-exact rounding changes class (ties to even).
  for (const Format f : {Format::fp16, Format::bf16}) {
    const FormatThresholds t = format_thresholds(f);
    EXPECT_EQ(precision::round_to_format(f, static_cast<float>(t.flush)), 0.0f);
    EXPECT_EQ(precision::round_to_format(f, above(t.flush)), static_cast<float>(t.min_subnormal));
    EXPECT_EQ(precision::round_to_format(f, static_cast<float>(t.subnormal_below)),
              static_cast<float>(t.min_normal));
    EXPECT_LT(precision::round_to_format(f, below(t.subnormal_below)),
              static_cast<float>(t.min_normal));
    EXPECT_TRUE(std::isinf(precision::round_to_format(f, static_cast<float>(t.overflow))));
    EXPECT_EQ(precision::round_to_format(f, below(t.overflow)), static_cast<float>(t.max_finite));
  }
}

TEST(PrecisionPrediction, GaussianEventsClosedForm) {
  // N(0, s²): P(|X| ≤ t) = erf(t/(s√2)); tails by erfc. Relative 1e-12: erf/erfc are accurate
  // to a few ulps, the implementation uses the same functions or a 5-point Gauss–Legendre rule.
  const auto p_abs_below = [](double t, double s) {
    return std::erf(t / (s * std::numbers::sqrt2));
  };
  for (const double s : {1e-6, 1e-3, 1.0}) {
    const EventProbabilities e = gaussian_event_probabilities(Format::fp16, 0.0, s);
    const double flush = p_abs_below(std::ldexp(1.0, -25), s);
    const double sub = p_abs_below(std::ldexp(1.0, -14) - std::ldexp(1.0, -25), s) - flush;
    EXPECT_NEAR(e.flush, flush, 1e-12 * flush) << s;
    EXPECT_NEAR(e.subnormal, sub, 1e-12 * sub) << s;
    EXPECT_EQ(e.overflow, 0.0);
    EXPECT_NEAR(e.underflow(), flush + sub, 1e-12 * (flush + sub));
  }
  const EventProbabilities big = gaussian_event_probabilities(Format::fp16, 0.0, 3e4);
  const double over = std::erfc(65520.0 / (3e4 * std::numbers::sqrt2));
  EXPECT_NEAR(big.overflow, over, 1e-12 * over);
  // Far-tail and tiny-interval accuracy: bf16 flush for N(0,1) is ≈ 2^-134·√(2/π).
  const EventProbabilities tiny = gaussian_event_probabilities(Format::bf16, 0.0, 1.0);
  const double expected_tiny = std::ldexp(1.0, -134) * std::sqrt(2.0 / std::numbers::pi);
  EXPECT_NEAR(tiny.flush, expected_tiny, 1e-12 * expected_tiny);
  // With a mean, the narrow interval around 0 has density φ(μ/s)/s.
  const EventProbabilities shifted = gaussian_event_probabilities(Format::fp16, 1.0, 1.0);
  const double dens = std::exp(-0.5) / std::sqrt(2 * std::numbers::pi);
  EXPECT_NEAR(shifted.flush, dens * std::ldexp(1.0, -24), 1e-9 * dens * std::ldexp(1.0, -24));
}

TEST(PrecisionPrediction, ReluZerosAreNotUnderflows) {
  const EventProbabilities g = gaussian_event_probabilities(Format::fp16, 0.0, 1e-4);
  const EventProbabilities r =
      activation_event_probabilities(Format::fp16, nn::Activation::parse("relu"), 0.0, 1e-4);
  EXPECT_DOUBLE_EQ(r.exact_zero, 0.5);
  EXPECT_NEAR(r.flush, 0.5 * g.flush, 1e-14);
  EXPECT_NEAR(r.subnormal, 0.5 * g.subnormal, 1e-14);
  // leaky_relu(0.5): the negative half is scaled by 1/2, so it underflows from |x| ≤ 2t.
  const EventProbabilities l = activation_event_probabilities(
      Format::fp16, nn::Activation::parse("leaky_relu(0.5)"), 0.0, 1e-4);
  EXPECT_EQ(l.exact_zero, 0.0);
  const double neg_flush = 0.5 * std::erf(2 * std::ldexp(1.0, -25) / (1e-4 * std::numbers::sqrt2));
  EXPECT_NEAR(l.flush, 0.5 * g.flush + neg_flush, 1e-12 * l.flush);
  EXPECT_THROW(
      (void)activation_event_probabilities(Format::fp16, nn::Activation::parse("tanh"), 0.0, 1.0),
      InputError);
}

}  // namespace
}  // namespace initcheck::theory
