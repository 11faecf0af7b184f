#include "initcheck/stats/variance_interval.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "initcheck/stats/detail/boost_policy.hpp"
#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {
namespace {

/// Scaled χ²: statistic/θ ~ (scale_num/ν)·χ²_ν, i.e. θ̂ = statistic/scale_num with
/// θ̂/θ ~ χ²_ν/ν. Returns the interval on θ.
ConfidenceInterval moment_matched_interval(double estimate, double dof, std::size_t n,
                                           double level) {
  ConfidenceInterval ci{estimate, estimate, estimate, level, n};
  if (!std::isfinite(dof)) return ci;  // κ = 1: the estimator has zero variance
  const double alpha = 1.0 - level;
  const detail::ChiSquared chi(dof);
  const double q_lo = boost::math::quantile(chi, alpha / 2.0);
  const double q_hi = boost::math::quantile(boost::math::complement(chi, alpha / 2.0));
  ci.lower = estimate * dof / q_hi;
  ci.upper = q_lo > 0.0 ? estimate * dof / q_lo : std::numeric_limits<double>::infinity();
  return ci;
}

void require_kurtosis(double kurtosis) {
  detail::require(std::isfinite(kurtosis) && kurtosis >= 1.0, "kurtosis must be finite and >= 1");
}

}  // namespace

ConfidenceInterval chi_squared_scale_interval(double statistic, double dof, double level) {
  detail::require_nonnegative(statistic,
                              "chi_squared_scale_interval: statistic must be finite and >= 0");
  detail::require(std::isfinite(dof) && dof > 0.0,
                  "chi_squared_scale_interval: dof must be positive");
  detail::require_level(level);
  return moment_matched_interval(statistic / dof, dof, static_cast<std::size_t>(std::lround(dof)),
                                 level);
}

ConfidenceInterval second_moment_interval(double sum_squares, std::size_t n, double level) {
  detail::require(n >= 1, "second_moment_interval: n must be >= 1");
  ConfidenceInterval ci = chi_squared_scale_interval(sum_squares, static_cast<double>(n), level);
  ci.n = n;
  return ci;
}

ConfidenceInterval variance_interval(double sum_sq_dev, std::size_t n, double level) {
  detail::require(n >= 2, "variance_interval: n must be >= 2");
  ConfidenceInterval ci = chi_squared_scale_interval(sum_sq_dev, static_cast<double>(n - 1), level);
  ci.n = n;
  return ci;
}

ConfidenceInterval second_moment_interval_declared_kurtosis(double sum_squares, std::size_t n,
                                                            double kurtosis, double level) {
  detail::require_nonnegative(sum_squares,
                              "second_moment_interval: sum of squares must be finite and >= 0");
  detail::require(n >= 1, "second_moment_interval: n must be >= 1");
  detail::require_level(level);
  require_kurtosis(kurtosis);
  const auto dn = static_cast<double>(n);
  // ν = 2/Var(θ̂/θ) with Var(θ̂/θ) = (κ − 1)/n.
  const double dof =
      kurtosis > 1.0 ? 2.0 * dn / (kurtosis - 1.0) : std::numeric_limits<double>::infinity();
  return moment_matched_interval(sum_squares / dn, dof, n, level);
}

ConfidenceInterval second_moment_interval_estimated_kurtosis(double sum_squares,
                                                             double sum_fourth_powers,
                                                             std::size_t n, double level) {
  detail::require_nonnegative(
      sum_fourth_powers, "second_moment_interval: sum of fourth powers must be finite and >= 0");
  detail::require(sum_squares > 0.0,
                  "second_moment_interval: kurtosis estimate needs a positive sum of squares");
  const double kurtosis =
      std::max(1.0, static_cast<double>(n) * sum_fourth_powers / (sum_squares * sum_squares));
  return second_moment_interval_declared_kurtosis(sum_squares, n, kurtosis, level);
}

ConfidenceInterval variance_interval_declared_kurtosis(double sum_sq_dev, std::size_t n,
                                                       double kurtosis, double level) {
  detail::require_nonnegative(
      sum_sq_dev, "variance_interval: sum of squared deviations must be finite and >= 0");
  detail::require(n >= 2, "variance_interval (kurtosis-aware): n must be >= 2");
  detail::require_level(level);
  require_kurtosis(kurtosis);
  const auto dn = static_cast<double>(n);
  const double relative_var =
      (kurtosis - (dn - 3.0) / (dn - 1.0)) / dn;  // Var(s²)/σ⁴ > 0 for n ≥ 2
  const double dof = 2.0 / relative_var;
  return moment_matched_interval(sum_sq_dev / (dn - 1.0), dof, n, level);
}

ConfidenceInterval variance_interval_estimated_kurtosis(double sum_sq_dev, double sum_fourth_dev,
                                                        std::size_t n, double level) {
  detail::require_nonnegative(
      sum_fourth_dev, "variance_interval: sum of fourth deviations must be finite and >= 0");
  detail::require(
      sum_sq_dev > 0.0,
      "variance_interval: kurtosis estimate needs a positive sum of squared deviations");
  const double kurtosis =
      std::max(1.0, static_cast<double>(n) * sum_fourth_dev / (sum_sq_dev * sum_sq_dev));
  return variance_interval_declared_kurtosis(sum_sq_dev, n, kurtosis, level);
}

}  // namespace initcheck::stats
