#include "initcheck/report/number_format.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace initcheck::report {

std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (x == 0.0) return "0";
  char buf[32];
  // %.3g alone would print 999.5 as "1e+03"; choose the notation from the rounded value.
  std::snprintf(buf, sizeof buf, "%.2e", x);
  const double rounded = std::abs(std::strtod(buf, nullptr));
  if (rounded >= 1e-3 && rounded < 1e3) std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

std::string format_coordinate(double x) {
  if (!std::isfinite(x)) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", x);
  std::string s(buf);
  if (s == "-0.00") s = "0.00";
  return s;
}

}  // namespace initcheck::report
