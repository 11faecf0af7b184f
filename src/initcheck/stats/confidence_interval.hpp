#pragma once
/// A two-sided confidence interval with its level and the sample size it rests on.

#include <cstddef>

namespace initcheck::stats {

/// [lower, upper] covers the true parameter with probability ≥ level (exactly, or
/// approximately where the producing function says so). `estimate` is the point estimate;
/// `n` counts the independent observations (samples, units, layers, replicates) behind it.
struct ConfidenceInterval {
  double lower = 0.0;
  double upper = 0.0;
  double estimate = 0.0;
  double level = 0.0;
  std::size_t n = 0;

  /// True when lower ≤ value ≤ upper.
  [[nodiscard]] bool contains(double value) const { return lower <= value && value <= upper; }
  /// upper − lower (may be +inf).
  [[nodiscard]] double width() const { return upper - lower; }
};

}  // namespace initcheck::stats
