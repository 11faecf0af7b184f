#pragma once
/// Splitting a suite-level false-failure probability into per-test α (union bound).

#include <cstddef>
#include <span>
#include <vector>

namespace initcheck::stats {

/// A false-failure probability α that may be spent on tests. Splitting is the union
/// (Bonferroni) bound: if each of the parts fails falsely with probability ≤ its share, the
/// whole fails falsely with probability ≤ α, whatever the dependence. Example (docs/statistics.md):
///   ErrorBudget suite{1e-6};
///   double a = suite.split(n_claims).split(n_layers).split(n_cases).alpha();
///   // each single interval then uses level 1 − a.
class ErrorBudget {
 public:
  /// Throws std::invalid_argument unless 0 < alpha < 1.
  explicit ErrorBudget(double alpha);

  /// α, the false-failure probability this budget may spend.
  [[nodiscard]] double alpha() const { return alpha_; }
  /// 1 − α, the confidence level of a single test that spends the whole budget.
  [[nodiscard]] double level() const { return 1.0 - alpha_; }

  /// One of `parts` equal shares: α/parts. parts ≥ 1.
  [[nodiscard]] ErrorBudget split(std::size_t parts) const;
  /// A fraction 0 < f ≤ 1 of the budget: α·f (e.g. share(0.5) for a two-stage check).
  [[nodiscard]] ErrorBudget share(double fraction) const;
  /// Shares proportional to positive `weights`: α·w_i/Σw (sum back to α).
  [[nodiscard]] std::vector<ErrorBudget> split(std::span<const double> weights) const;

 private:
  double alpha_;
};

}  // namespace initcheck::stats
