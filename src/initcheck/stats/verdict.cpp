#include "initcheck/stats/verdict.hpp"

#include <algorithm>
#include <cmath>

#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {

Verdict decide(const ConfidenceInterval& ci, const ToleranceBand& band) {
  detail::require(!std::isnan(ci.lower) && !std::isnan(ci.upper) && ci.lower <= ci.upper,
                  "decide: confidence interval must satisfy lower <= upper (no NaN)");
  detail::require(!std::isnan(band.lo) && !std::isnan(band.hi) && band.lo <= band.hi,
                  "decide: tolerance band must satisfy lo <= hi (no NaN)");
  if (band.lo <= ci.lower && ci.upper <= band.hi) return Verdict::holds;
  if (ci.upper < band.lo || ci.lower > band.hi) return Verdict::violated;
  return Verdict::inconclusive;
}

Verdict combine(Verdict a, Verdict b) {
  return std::max(a, b);
}

std::string_view to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::holds: return "holds";
    case Verdict::violated: return "violated";
    case Verdict::inconclusive: return "inconclusive";
  }
  return "inconclusive";
}

}  // namespace initcheck::stats
