#include "initcheck/core/number_format.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace initcheck::report {
namespace {

TEST(FormatNumber, ThreeSignificantDigits) {
  EXPECT_EQ(format_number(0.0), "0");
  EXPECT_EQ(format_number(1.0), "1");
  EXPECT_EQ(format_number(1.23456), "1.23");
  EXPECT_EQ(format_number(-0.0123456), "-0.0123");
  EXPECT_EQ(format_number(123.456), "123");
  EXPECT_EQ(format_number(999.4), "999");
  EXPECT_EQ(format_number(999.6), "1.00e+03");
  EXPECT_EQ(format_number(12345.0), "1.23e+04");
  EXPECT_EQ(format_number(0.001), "0.001");
  EXPECT_EQ(format_number(0.00012345), "1.23e-04");
  EXPECT_EQ(format_number(0.00099996), "0.001");
}

TEST(FormatNumber, NonFinite) {
  EXPECT_EQ(format_number(std::numeric_limits<double>::quiet_NaN()), "nan");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(FormatCoordinate, FixedTwoDecimals) {
  EXPECT_EQ(format_coordinate(1.0 / 3.0), "0.33");
  EXPECT_EQ(format_coordinate(-0.001), "0.00");
  EXPECT_EQ(format_coordinate(std::nan("")), "0");
}

}  // namespace
}  // namespace initcheck::report
