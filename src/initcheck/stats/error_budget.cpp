#include "initcheck/stats/error_budget.hpp"

#include <cmath>

#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {

ErrorBudget::ErrorBudget(double alpha) : alpha_(alpha) {
  detail::require_level(alpha, "ErrorBudget: alpha must lie in (0, 1)");
}

ErrorBudget ErrorBudget::split(std::size_t parts) const {
  detail::require(parts >= 1, "ErrorBudget::split: parts must be >= 1");
  return ErrorBudget(alpha_ / static_cast<double>(parts));
}

ErrorBudget ErrorBudget::share(double fraction) const {
  detail::require(fraction > 0.0 && fraction <= 1.0,
                  "ErrorBudget::share: fraction must lie in (0, 1]");
  return ErrorBudget(alpha_ * fraction);
}

std::vector<ErrorBudget> ErrorBudget::split(std::span<const double> weights) const {
  detail::require(!weights.empty(), "ErrorBudget::split: need at least one weight");
  double total = 0.0;
  for (double w : weights) {
    detail::require(std::isfinite(w) && w > 0.0,
                    "ErrorBudget::split: weights must be positive and finite");
    total += w;
  }
  std::vector<ErrorBudget> parts;
  parts.reserve(weights.size());
  for (double w : weights) parts.emplace_back(alpha_ * (w / total));
  return parts;
}

}  // namespace initcheck::stats
