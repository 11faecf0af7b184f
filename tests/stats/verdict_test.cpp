#include "initcheck/stats/verdict.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace initcheck::stats {
namespace {

ConfidenceInterval ci(double lo, double hi) {
  return {lo, hi, 0.5 * (lo + hi), 0.9, 10};
}

TEST(Verdict, InsideOutsideStraddle) {
  const ToleranceBand band{0.25, 4.0};
  EXPECT_EQ(decide(ci(0.5, 2.0), band), Verdict::holds);
  EXPECT_EQ(decide(ci(0.25, 4.0), band), Verdict::holds);  // closed band: touching ends holds
  EXPECT_EQ(decide(ci(4.5, 9.0), band), Verdict::violated);
  EXPECT_EQ(decide(ci(0.01, 0.2), band), Verdict::violated);
  EXPECT_EQ(decide(ci(3.0, 5.0), band), Verdict::inconclusive);
  EXPECT_EQ(decide(ci(0.1, 0.3), band), Verdict::inconclusive);
  EXPECT_EQ(decide(ci(0.1, 9.0), band), Verdict::inconclusive);  // CI wider than the band
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(decide(ci(0.0, 0.004), ToleranceBand{-inf, 0.01}), Verdict::holds);
  EXPECT_EQ(decide(ci(2.0, inf), band), Verdict::inconclusive);
}

TEST(Verdict, CombineAndNames) {
  EXPECT_EQ(combine(Verdict::holds, Verdict::holds), Verdict::holds);
  EXPECT_EQ(combine(Verdict::holds, Verdict::inconclusive), Verdict::inconclusive);
  EXPECT_EQ(combine(Verdict::violated, Verdict::inconclusive), Verdict::violated);
  EXPECT_EQ(to_string(Verdict::holds), "holds");
  EXPECT_EQ(to_string(Verdict::violated), "violated");
  EXPECT_EQ(to_string(Verdict::inconclusive), "inconclusive");
}

TEST(Verdict, RejectsMalformedInput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(decide(ci(nan, 1.0), ToleranceBand{0.0, 1.0}), std::invalid_argument);
  EXPECT_THROW(decide(ci(2.0, 1.0), ToleranceBand{0.0, 1.0}), std::invalid_argument);
  EXPECT_THROW(decide(ci(0.0, 1.0), ToleranceBand{1.0, 0.0}), std::invalid_argument);
}

}  // namespace
}  // namespace initcheck::stats
