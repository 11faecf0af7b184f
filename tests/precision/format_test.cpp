#include "initcheck/precision/format.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "initcheck/core/error.hpp"
#include "initcheck/precision/rounding.hpp"

namespace initcheck::precision {
namespace {

TEST(Format, ParseAndNameRoundTrip) {
  for (const Format f : {Format::fp32, Format::bf16, Format::fp16}) {
    EXPECT_EQ(parse_format(format_name(f)), f);
  }
  EXPECT_THROW(parse_format("fp8"), InputError);
  EXPECT_THROW(parse_format("FP16"), InputError);
}

// Known answers: published reference values and IEEE 754 (all comparisons exact: the limits are
// floats).
TEST(Format, LimitsKnownAnswers) {
  const FormatLimits h = format_limits(Format::fp16);
  EXPECT_EQ(h.max, 65504.0f);
  EXPECT_EQ(h.min_normal, std::ldexp(1.0f, -14));
  EXPECT_EQ(h.min_subnormal, std::ldexp(1.0f, -24));
  EXPECT_EQ(h.epsilon, std::ldexp(1.0f, -10));
  const FormatLimits b = format_limits(Format::bf16);
  EXPECT_EQ(b.max, 3.3895314e38f);
  EXPECT_EQ(b.min_normal, std::ldexp(1.0f, -126));
  EXPECT_EQ(b.min_subnormal, std::ldexp(1.0f, -133));
  EXPECT_EQ(b.epsilon, std::ldexp(1.0f, -7));
  const FormatLimits s = format_limits(Format::fp32);
  EXPECT_EQ(s.max, std::numeric_limits<float>::max());
  EXPECT_EQ(s.min_normal, std::numeric_limits<float>::min());
  EXPECT_EQ(s.min_subnormal, std::numeric_limits<float>::denorm_min());
  EXPECT_EQ(s.epsilon, std::numeric_limits<float>::epsilon());
}

// The limits are consistent with the rounding: each is a value of the format, half of the
// smallest subnormal rounds to 0 (tie to even), half an epsilon above 1 rounds to 1 (tie to even),
// and the next float after max stays max (it is far below max + ulp/2).
TEST(Format, LimitsAreConsistentWithRounding) {
  for (const Format f : {Format::fp32, Format::bf16, Format::fp16}) {
    SCOPED_TRACE(std::string(format_name(f)));
    const FormatLimits l = format_limits(f);
    for (const float v : {l.max, l.min_normal, l.min_subnormal, l.epsilon, 1.0f + l.epsilon}) {
      EXPECT_EQ(round_to_format(f, v), v);
      EXPECT_EQ(round_to_format(f, -v), -v);
    }
    EXPECT_EQ(round_to_format(f, l.min_subnormal * 0.5f), 0.0f);
    EXPECT_EQ(round_to_format(f, 1.0f + l.epsilon * 0.5f), 1.0f);
    EXPECT_EQ(round_to_format(f, std::nextafter(l.max, 2 * l.max)),
              f == Format::fp32 ? INFINITY : l.max);
    EXPECT_LT(round_to_format(f, l.min_normal * (1.0f - l.epsilon)),
              l.min_normal);  // largest subnormal
  }
}

}  // namespace
}  // namespace initcheck::precision
