#pragma once
// Test helpers: empirical miss counts of an interval procedure, judged with a Clopper–Pearson
// interval on the miss rate at α = 1e-9 (so a correct procedure fails a check with probability
// ≤ 1e-9 for a random seed; the seeds are fixed, so the tests are deterministic).

#include <cstddef>
#ifdef INITCHECK_STATS_PRINT_RATES
#include <cstdio>
#endif

#include "initcheck/stats/proportion_interval.hpp"

namespace initcheck::stats::testing {

inline constexpr double kCheckAlpha = 1e-9;

/// Miss count of a simulated interval procedure.
struct Misses {
  std::size_t misses = 0;
  std::size_t trials = 0;

  void record(bool covered) {
    ++trials;
    if (!covered) ++misses;
  }
  [[nodiscard]] double rate() const {
    return static_cast<double>(misses) / static_cast<double>(trials);
  }
  /// Two-sided Clopper–Pearson interval on the miss probability at level 1 − kCheckAlpha.
  [[nodiscard]] ConfidenceInterval interval() const {
#ifdef INITCHECK_STATS_PRINT_RATES  // diagnostics only: -DINITCHECK_STATS_PRINT_RATES
    std::printf("  miss rate %zu/%zu = %.4f\n", misses, trials, rate());
#endif
    return clopper_pearson_interval(misses, trials, 1.0 - kCheckAlpha);
  }
  /// Calibration of an exact (or asymptotically exact) interval: nominal miss rate is plausible.
  [[nodiscard]] bool consistent_with(double nominal) const {
    return interval().contains(nominal);
  }
  /// Conservative procedures (Clopper–Pearson, confidence sequences): miss rate ≤ nominal is
  /// plausible, i.e. the CP lower bound is ≤ nominal.
  [[nodiscard]] bool at_most(double nominal) const {
    return interval().lower <= nominal;
  }
};

}  // namespace initcheck::stats::testing
