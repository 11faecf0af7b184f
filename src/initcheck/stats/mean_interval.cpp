#include "initcheck/stats/mean_interval.hpp"

#include <cmath>

#include "initcheck/stats/detail/boost_policy.hpp"
#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {

ConfidenceInterval mean_interval(double mean, double sample_variance, std::size_t n, double level) {
  detail::require(std::isfinite(mean), "mean_interval: mean must be finite");
  detail::require_nonnegative(sample_variance,
                              "mean_interval: sample variance must be finite and >= 0");
  detail::require(n >= 2, "mean_interval: n must be >= 2");
  detail::require_level(level);
  const auto dn = static_cast<double>(n);
  const double t = boost::math::quantile(
      boost::math::complement(detail::StudentsT(dn - 1.0), (1.0 - level) / 2.0));
  const double half = t * std::sqrt(sample_variance / dn);
  return {mean - half, mean + half, mean, level, n};
}

ConfidenceInterval mean_interval_known_sigma(double mean, double sigma, std::size_t n,
                                             double level) {
  detail::require(std::isfinite(mean), "mean_interval: mean must be finite");
  detail::require_nonnegative(sigma, "mean_interval: sigma must be finite and >= 0");
  detail::require(n >= 1, "mean_interval: n must be >= 1");
  detail::require_level(level);
  const double z =
      boost::math::quantile(boost::math::complement(detail::Normal(), (1.0 - level) / 2.0));
  const double half = z * sigma / std::sqrt(static_cast<double>(n));
  return {mean - half, mean + half, mean, level, n};
}

}  // namespace initcheck::stats
