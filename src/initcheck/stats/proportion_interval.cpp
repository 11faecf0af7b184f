#include "initcheck/stats/proportion_interval.hpp"

#include <algorithm>
#include <cmath>

#include "initcheck/stats/detail/boost_policy.hpp"
#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {
namespace {

void require_counts(std::size_t successes, std::size_t trials) {
  detail::require(trials >= 1, "proportion interval: trials must be >= 1");
  detail::require(successes <= trials, "proportion interval: successes must not exceed trials");
}

}  // namespace

ConfidenceInterval clopper_pearson_interval(std::size_t successes, std::size_t trials,
                                            double level) {
  require_counts(successes, trials);
  detail::require_level(level);
  const double tail = (1.0 - level) / 2.0;
  const auto n = static_cast<double>(trials);
  const auto x = static_cast<double>(successes);
  const double lower = detail::Binomial::find_lower_bound_on_p(n, x, tail);
  const double upper =
      successes == trials ? 1.0 : detail::Binomial::find_upper_bound_on_p(n, x, tail);
  return {lower, upper, x / n, level, trials};
}

ConfidenceInterval wilson_interval(std::size_t successes, std::size_t trials, double level) {
  require_counts(successes, trials);
  detail::require_level(level);
  const double z =
      boost::math::quantile(boost::math::complement(detail::Normal(), (1.0 - level) / 2.0));
  const auto n = static_cast<double>(trials);
  const double p_hat = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double denom = 1.0 + z2 / n;
  const double center = (p_hat + z2 / (2.0 * n)) / denom;
  const double half = z * std::sqrt(p_hat * (1.0 - p_hat) / n + z2 / (4.0 * n * n)) / denom;
  return {std::max(0.0, center - half), std::min(1.0, center + half), p_hat, level, trials};
}

}  // namespace initcheck::stats
