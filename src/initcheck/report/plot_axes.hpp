#pragma once
/// Axis ranges and ticks of a plot panel: a y-range that leaves exploded or vanished series off
/// the scale (they are marked at the edge instead), and ticks that suit the axis.

#include <string>
#include <vector>

#include "initcheck/report/svg_plot.hpp"

namespace initcheck::report {

/// A closed interval in axis units (log10 of the value on a log axis).
struct AxisRange {
  double lo = 0;
  double hi = 0;
  bool valid = false;  ///< false: nothing to draw
};

/// The panel's x-range over every finite x of its series and bands (also where y is not drawn,
/// e.g. a fraction of 0 on a log axis), in log10 units when `log_x`.
AxisRange x_axis_range(const Panel& panel);

/// The panel's y-range: the drawable points and the reference lines, rounded out to whole
/// decades on a log axis. With `clip_decades` > 0 (log axis), points more than that many decades
/// beyond the reference lines (or, without them, the median of the series' medians) are left
/// off the scale, so a series that explodes or vanishes does not squash the others.
AxisRange y_axis_range(const Panel& panel);

/// Labels of the series with a drawable point outside y_axis_range() (drawn to the edge and
/// marked there), in panel order without repeats.
std::vector<std::string> off_scale_series(const Panel& panel);

/// Tick positions in axis units: whole decades (fewer if the span is long) on a log axis,
/// 1-2-5 steps on a linear one; `integer` axes (layer indices) never get fractional ticks.
std::vector<double> axis_ticks(const AxisRange& range, bool log, bool integer);

/// The x ticks of `panel` over `range` (x_axis_range): on a log x axis the distinct data x values
/// when there are at most 8 (widths 16, 64, 256), else whole decades; on a linear one
/// axis_ticks(), integer when every x is a whole number (layer indices).
std::vector<double> x_axis_ticks(const Panel& panel, const AxisRange& range);

}  // namespace initcheck::report
