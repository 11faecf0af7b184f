#include "initcheck/report/plot_axes.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace initcheck::report {
namespace {

/// std per layer: two sensible schemes near 1 and one exploding to 1e28 (the std=1 cell).
Panel forward_panel() {
  Panel p;
  p.series.push_back({"kaiming_normal", {0, 1, 2, 3}, {1, 1.1, 0.9, 1.05}, false});
  p.series.push_back({"lecun_normal", {0, 1, 2, 3}, {1, 0.7, 0.5, 0.3}, false});
  p.series.push_back({"normal(std=1)", {0, 1, 2, 3}, {1, 1e9, 1e18, 1e28}, false});
  p.reference_lines = {0.5, 2.0};
  p.clip_decades = 1.5;
  return p;
}

TEST(PlotAxes, YRangeLeavesAnExplodedSeriesOffTheScale) {
  const AxisRange r = y_axis_range(forward_panel());
  ASSERT_TRUE(r.valid);
  // Whole decades around the sensible lines and the tolerance lines 0.5 and 2: [0.1, 10].
  EXPECT_EQ(r.lo, -1.0);
  EXPECT_EQ(r.hi, 1.0);
  EXPECT_EQ(off_scale_series(forward_panel()), std::vector<std::string>{"normal(std=1)"});
}

TEST(PlotAxes, WithoutClippingTheRangeCoversEverySeries) {
  Panel p = forward_panel();
  p.clip_decades = 0;
  const AxisRange r = y_axis_range(p);
  EXPECT_EQ(r.hi, 28.0);
  EXPECT_TRUE(off_scale_series(p).empty());
}

TEST(PlotAxes, WithoutReferenceLinesTheWindowCentresOnTheMedianSeries) {
  Panel p = forward_panel();
  p.reference_lines.clear();
  p.series.push_back({"normal(std=0.01)", {0, 1, 2, 3}, {1, 1e-14, 1e-28, 1e-42}, false});
  const AxisRange r = y_axis_range(p);
  EXPECT_GE(r.lo, -2.0);
  EXPECT_LE(r.hi, 2.0);
  EXPECT_EQ(off_scale_series(p), (std::vector<std::string>{"normal(std=1)", "normal(std=0.01)"}));
}

TEST(PlotAxes, ReferenceLinesAreAlwaysInRange) {
  Panel p;
  p.series.push_back({"a", {0, 1}, {1e-3, 1e-3}, false});
  p.reference_lines = {0.5, 2.0};
  p.clip_decades = 1.5;
  const AxisRange r = y_axis_range(p);
  EXPECT_LE(r.lo, std::log10(0.5));
  EXPECT_GE(r.hi, std::log10(2.0));
}

TEST(PlotAxes, BandsAloneAreNeverClipped) {
  Panel p;  // nothing to centre a clipping window on: the range covers the data
  p.bands.push_back({"measured", {0, 1}, {1e-6, 1e-6}, {1e6, 1e6}});
  p.clip_decades = 1.5;
  const AxisRange r = y_axis_range(p);
  ASSERT_TRUE(r.valid);
  EXPECT_EQ(r.lo, -6.0);
  EXPECT_EQ(r.hi, 6.0);
}

TEST(PlotAxes, IntegerAxisGetsNoFractionalTicks) {
  // The fp16 panel of the old report: layers 4 and 5 only gave ticks 4.2, 4.4, ….
  EXPECT_EQ(axis_ticks({4, 5, true}, false, true), (std::vector<double>{4, 5}));
  EXPECT_EQ(axis_ticks({0, 50, true}, false, true), (std::vector<double>{0, 10, 20, 30, 40, 50}));
  const std::vector<double> fractional = axis_ticks({4, 5, true}, false, false);
  EXPECT_GT(fractional.size(), 2U);  // a real-valued axis keeps its 1-2-5 steps
}

TEST(PlotAxes, XRangeIncludesLayersWhoseValueIsNotDrawn) {
  Panel p;  // a fraction of 0 is not drawn on a log axis, but its layer is on the x axis
  p.series.push_back({"flushed", {0, 1, 2, 3, 4, 5}, {0, 0, 0, 0, 1e-4, 1e-2}, false});
  const AxisRange x = x_axis_range(p);
  EXPECT_EQ(x.lo, 0.0);
  EXPECT_EQ(x.hi, 5.0);
  EXPECT_EQ(x_axis_ticks(p, x), (std::vector<double>{0, 1, 2, 3, 4, 5}));
}

TEST(PlotAxes, LogXTicksAreTheWidths) {
  Panel p;
  p.log_x = true;
  p.series.push_back({"last layer", {16, 64, 256, 1024}, {1, 1, 1, 1}, false});
  const std::vector<double> ticks = x_axis_ticks(p, x_axis_range(p));
  ASSERT_EQ(ticks.size(), 4U);
  EXPECT_DOUBLE_EQ(std::pow(10.0, ticks[0]), 16.0);
  EXPECT_DOUBLE_EQ(std::pow(10.0, ticks[3]), 1024.0);
}

}  // namespace
}  // namespace initcheck::report
