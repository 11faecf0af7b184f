#include "initcheck/core/number_format.hpp"

#include <charconv>
#include <cmath>
#include <iterator>
#include <string>

namespace initcheck {

std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (x == 0.0) return "0";
  // %.3g alone would print 999.5 as "1e+03"; choose the notation from the rounded value.
  // (std::to_chars with a precision prints exactly what printf("%.2e") / printf("%.3g") would.)
  char buf[32];
  const auto sci =
      std::to_chars(std::begin(buf), std::end(buf), x, std::chars_format::scientific, 2);
  double rounded = 0.0;
  std::from_chars(std::begin(buf), sci.ptr, rounded);
  rounded = std::abs(rounded);
  if (rounded >= 1e-3 && rounded < 1e3) {
    const auto general =
        std::to_chars(std::begin(buf), std::end(buf), x, std::chars_format::general, 3);
    return {std::begin(buf), general.ptr};
  }
  return {std::begin(buf), sci.ptr};
}

std::string format_coordinate(double x) {
  if (!std::isfinite(x)) return "0";
  char buf[512];  // %.2f of the largest double needs 309 + 4 characters
  const auto fixed = std::to_chars(std::begin(buf), std::end(buf), x, std::chars_format::fixed, 2);
  std::string s(std::begin(buf), fixed.ptr);
  if (s == "-0.00") s = "0.00";
  return s;
}

}  // namespace initcheck
