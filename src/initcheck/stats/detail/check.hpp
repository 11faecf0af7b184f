#pragma once
/// Private argument checks for the stats module: internal misuse → std::invalid_argument.

#include <cmath>
#include <stdexcept>
#include <string>

namespace initcheck::stats::detail {

/// Throws std::invalid_argument(message) unless `condition`.
inline void require(bool condition, const char* message) {
  if (!condition) throw std::invalid_argument(message);
}

/// A confidence level (or a probability such as 1 − β) must lie strictly inside (0, 1).
inline void require_level(double level, const char* what = "confidence level must lie in (0, 1)") {
  require(level > 0.0 && level < 1.0, what);
}

/// A finite, non-negative sum (of squares, of fourth powers, ...).
inline void require_nonnegative(double value, const char* what) {
  require(std::isfinite(value) && value >= 0.0, what);
}

}  // namespace initcheck::stats::detail
