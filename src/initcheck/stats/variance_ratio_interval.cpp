#include "initcheck/stats/variance_ratio_interval.hpp"

#include <cmath>

#include "initcheck/stats/detail/boost_policy.hpp"
#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {

ConfidenceInterval variance_ratio_interval(double variance1, double dof1, double variance2,
                                           double dof2, double level) {
  detail::require_nonnegative(variance1,
                              "variance_ratio_interval: variance1 must be finite and >= 0");
  detail::require(std::isfinite(variance2) && variance2 > 0.0,
                  "variance_ratio_interval: variance2 must be > 0");
  detail::require(std::isfinite(dof1) && dof1 > 0.0 && std::isfinite(dof2) && dof2 > 0.0,
                  "variance_ratio_interval: dofs must be positive");
  detail::require_level(level);
  const double alpha = 1.0 - level;
  const detail::FisherF f(dof1, dof2);
  const double ratio = variance1 / variance2;
  const double f_lo = boost::math::quantile(f, alpha / 2.0);
  const double f_hi = boost::math::quantile(boost::math::complement(f, alpha / 2.0));
  return {ratio / f_hi, ratio / f_lo, ratio, level,
          static_cast<std::size_t>(std::lround(dof1 + dof2))};
}

}  // namespace initcheck::stats
