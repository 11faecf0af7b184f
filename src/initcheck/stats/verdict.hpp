#pragma once
/// Equivalence-test verdicts: a confidence interval compared with a tolerance band
/// (docs/statistics.md).

#include <string_view>

#include "initcheck/stats/confidence_interval.hpp"

namespace initcheck::stats {

/// Outcome of one check. Ordered by severity: holds < inconclusive < violated.
enum class Verdict { holds, inconclusive, violated };

/// Closed tolerance band [lo, hi]; either end may be ±inf (one-sided claims).
struct ToleranceBand {
  double lo = 0.0;
  double hi = 0.0;

  [[nodiscard]] bool contains(double value) const { return lo <= value && value <= hi; }
};

/// holds if CI ⊂ band, violated if CI ∩ band = ∅, inconclusive otherwise.
/// Throws std::invalid_argument for NaN bounds, lower > upper or lo > hi.
Verdict decide(const ConfidenceInterval& ci, const ToleranceBand& band);

/// The more severe of two verdicts (violated beats inconclusive beats holds): a claim made of
/// several checks holds only if all hold.
Verdict combine(Verdict a, Verdict b);

/// "holds", "violated" or "inconclusive".
std::string_view to_string(Verdict verdict);

}  // namespace initcheck::stats
