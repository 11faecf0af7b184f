#pragma once
/// Number formatting for reports: readable, deterministic, locale-independent.

#include <string>

namespace initcheck {

/// Three significant digits; scientific notation (e.g. `1.23e-05`) when |x| < 1e-3 or
/// |x| ≥ 1e3; `0` for zero, `nan`, `inf`, `-inf` for non-finite values.
std::string format_number(double x);

/// A fixed-precision decimal for SVG coordinates (two decimals, no exponent, `-0` avoided).
std::string format_coordinate(double x);

}  // namespace initcheck
