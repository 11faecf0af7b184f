#include "initcheck/report/plot_axes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace initcheck::report {
namespace {

constexpr std::size_t kMaxDataTicks = 8;

bool drawable(double v, bool log) {
  return std::isfinite(v) && (!log || v > 0);
}

double to_axis(double v, bool log) {
  return log ? std::log10(v) : v;
}

struct Extent {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  [[nodiscard]] bool empty() const { return !(lo <= hi); }
};

/// Every drawable y of the panel's series and bands, in axis units.
std::vector<double> drawable_y(const Panel& panel) {
  std::vector<double> out;
  const auto add = [&](const std::vector<double>& xs, const std::vector<double>& ys) {
    for (std::size_t i = 0; i < std::min(xs.size(), ys.size()); ++i) {
      if (drawable(xs[i], panel.log_x) && drawable(ys[i], panel.log_y)) {
        out.push_back(to_axis(ys[i], panel.log_y));
      }
    }
  };
  for (const Series& s : panel.series) add(s.x, s.y);
  for (const Band& b : panel.bands) {
    add(b.x, b.lower);
    add(b.x, b.upper);
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/// Where the clipping window is centred: the reference lines, else the median series level.
Extent clip_anchor(const Panel& panel) {
  Extent anchor;
  for (double ref : panel.reference_lines) {
    if (drawable(ref, panel.log_y)) anchor.add(to_axis(ref, panel.log_y));
  }
  if (!anchor.empty()) return anchor;
  std::vector<double> medians;
  for (const Series& s : panel.series) {
    std::vector<double> ys;
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (drawable(s.x[i], panel.log_x) && drawable(s.y[i], panel.log_y)) {
        ys.push_back(to_axis(s.y[i], panel.log_y));
      }
    }
    if (!ys.empty()) medians.push_back(median(ys));
  }
  if (!medians.empty()) anchor.add(median(medians));
  return anchor;
}

}  // namespace

AxisRange x_axis_range(const Panel& panel) {
  Extent e;
  const auto add = [&](const std::vector<double>& xs) {
    for (double x : xs) {
      if (drawable(x, panel.log_x)) e.add(to_axis(x, panel.log_x));
    }
  };
  for (const Series& s : panel.series) add(s.x);
  for (const Band& b : panel.bands) add(b.x);
  if (e.empty() || drawable_y(panel).empty()) return {};
  if (e.hi == e.lo) {
    e.lo -= 0.5;
    e.hi += 0.5;
  }
  return {e.lo, e.hi, true};
}

AxisRange y_axis_range(const Panel& panel) {
  const bool log = panel.log_y;
  const std::vector<double> ys = drawable_y(panel);
  if (ys.empty()) return {};
  Extent window = clip_anchor(panel);  // points outside it are off the scale
  const bool clip = log && panel.clip_decades > 0 && !window.empty();
  window.lo -= panel.clip_decades;
  window.hi += panel.clip_decades;
  Extent e;
  for (double y : ys) {
    if (!clip || (y >= window.lo && y <= window.hi)) e.add(y);
  }
  for (double ref : panel.reference_lines) {
    if (drawable(ref, log)) e.add(to_axis(ref, log));
  }
  if (e.empty()) e = window;  // every point is off the scale: show the window's centre
  if (log) {
    e.lo = std::floor(e.lo);
    e.hi = std::ceil(e.hi);
    if (e.hi == e.lo) e.hi += 1;
  } else {
    const double pad = e.hi > e.lo ? 0.05 * (e.hi - e.lo) : 0.5;
    e.lo -= pad;
    e.hi += pad;
  }
  return {e.lo, e.hi, true};
}

std::vector<std::string> off_scale_series(const Panel& panel) {
  std::vector<std::string> out;
  const AxisRange r = y_axis_range(panel);
  if (!r.valid) return out;
  for (const Series& s : panel.series) {
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!drawable(s.x[i], panel.log_x) || !drawable(s.y[i], panel.log_y)) continue;
      const double y = to_axis(s.y[i], panel.log_y);
      if (y < r.lo || y > r.hi) {
        if (std::find(out.begin(), out.end(), s.label) == out.end()) out.push_back(s.label);
        break;
      }
    }
  }
  return out;
}

std::vector<double> axis_ticks(const AxisRange& r, bool log, bool integer) {
  std::vector<double> out;
  if (!r.valid || !(r.hi > r.lo)) return out;
  if (log) {
    const double step = std::max(1.0, std::ceil((r.hi - r.lo) / 6.0));
    for (double t = std::ceil(r.lo / step) * step; t <= r.hi + 1e-9; t += step) out.push_back(t);
    return out;
  }
  const double raw = (r.hi - r.lo) / 5.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = 10 * mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  if (integer) step = std::max(1.0, std::round(step));
  for (double t = std::ceil(r.lo / step) * step; t <= r.hi + 1e-9 * step; t += step) {
    out.push_back(std::abs(t) < 1e-12 * step ? 0.0 : t);
  }
  return out;
}

std::vector<double> x_axis_ticks(const Panel& panel, const AxisRange& range) {
  std::set<double> xs;
  bool whole = true;
  const auto add = [&](const std::vector<double>& v) {
    for (double x : v) {
      if (!drawable(x, panel.log_x)) continue;
      xs.insert(x);
      whole = whole && x == std::round(x);
    }
  };
  for (const Series& s : panel.series) add(s.x);
  for (const Band& b : panel.bands) add(b.x);
  if (panel.log_x && !xs.empty() && xs.size() <= kMaxDataTicks) {
    std::vector<double> out;
    for (double x : xs) out.push_back(std::log10(x));
    return out;
  }
  return axis_ticks(range, panel.log_x, whole);
}

}  // namespace initcheck::report
