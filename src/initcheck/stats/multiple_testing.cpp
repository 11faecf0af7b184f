#include "initcheck/stats/multiple_testing.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {
namespace {

void require_p_values(std::span<const double> p_values) {
  for (double p : p_values) {
    detail::require(p >= 0.0 && p <= 1.0, "multiple testing: p-values must lie in [0, 1]");
  }
}

void require_alpha(double alpha) {
  detail::require_level(alpha, "multiple testing: alpha must lie in (0, 1)");
}

/// Indices of p_values sorted by ascending p (stable, so ties keep input order).
std::vector<std::size_t> ascending_order(std::span<const double> p_values) {
  std::vector<std::size_t> order(p_values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return p_values[a] < p_values[b]; });
  return order;
}

}  // namespace

std::vector<bool> bonferroni_reject(std::span<const double> p_values, double alpha) {
  require_p_values(p_values);
  require_alpha(alpha);
  const double threshold = alpha / static_cast<double>(p_values.size());
  std::vector<bool> reject(p_values.size());
  for (std::size_t i = 0; i < p_values.size(); ++i) reject[i] = p_values[i] <= threshold;
  return reject;
}

std::vector<bool> holm_reject(std::span<const double> p_values, double alpha) {
  require_p_values(p_values);
  require_alpha(alpha);
  const std::vector<std::size_t> order = ascending_order(p_values);
  const std::size_t m = p_values.size();
  std::vector<bool> reject(m, false);
  for (std::size_t i = 0; i < m; ++i) {
    if (p_values[order[i]] > alpha / static_cast<double>(m - i)) break;
    reject[order[i]] = true;
  }
  return reject;
}

std::vector<double> bonferroni_adjust(std::span<const double> p_values) {
  require_p_values(p_values);
  const auto m = static_cast<double>(p_values.size());
  std::vector<double> adjusted(p_values.size());
  for (std::size_t i = 0; i < p_values.size(); ++i) adjusted[i] = std::min(1.0, m * p_values[i]);
  return adjusted;
}

std::vector<double> holm_adjust(std::span<const double> p_values) {
  require_p_values(p_values);
  const std::vector<std::size_t> order = ascending_order(p_values);
  const std::size_t m = p_values.size();
  std::vector<double> adjusted(m);
  double running_max = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    running_max =
        std::max(running_max, std::min(1.0, static_cast<double>(m - i) * p_values[order[i]]));
    adjusted[order[i]] = running_max;
  }
  return adjusted;
}

std::vector<bool> union_bound_reject(std::span<const double> p_values,
                                     std::span<const double> alphas) {
  require_p_values(p_values);
  detail::require(p_values.size() == alphas.size(),
                  "union_bound_reject: need one alpha per p-value");
  double total = 0.0;
  for (double a : alphas) {
    detail::require(a >= 0.0 && a < 1.0, "union_bound_reject: alphas must lie in [0, 1)");
    total += a;
  }
  detail::require(total < 1.0, "union_bound_reject: alphas must sum to < 1");
  std::vector<bool> reject(p_values.size());
  for (std::size_t i = 0; i < p_values.size(); ++i) reject[i] = p_values[i] <= alphas[i];
  return reject;
}

}  // namespace initcheck::stats
