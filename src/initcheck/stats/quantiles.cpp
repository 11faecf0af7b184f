#include "initcheck/stats/quantiles.hpp"

#include <cmath>

#include "initcheck/stats/detail/boost_policy.hpp"
#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {
namespace {

void require_probability(double p) {
  detail::require_level(p, "probability must lie in (0, 1)");
}

void require_dof(double dof) {
  detail::require(std::isfinite(dof) && dof > 0.0,
                  "degrees of freedom must be positive and finite");
}

}  // namespace

double normal_cdf(double x) {
  detail::require(!std::isnan(x), "normal_cdf: x is NaN");
  return boost::math::cdf(detail::Normal(), x);
}

double normal_quantile(double p) {
  require_probability(p);
  return boost::math::quantile(detail::Normal(), p);
}

double chi_squared_cdf(double dof, double x) {
  require_dof(dof);
  detail::require(!std::isnan(x), "chi_squared_cdf: x is NaN");
  if (x <= 0.0) return 0.0;
  if (std::isinf(x)) return 1.0;
  return boost::math::cdf(detail::ChiSquared(dof), x);
}

double chi_squared_quantile(double dof, double p) {
  require_dof(dof);
  require_probability(p);
  return boost::math::quantile(detail::ChiSquared(dof), p);
}

double student_t_quantile(double dof, double p) {
  require_dof(dof);
  require_probability(p);
  return boost::math::quantile(detail::StudentsT(dof), p);
}

double fisher_f_quantile(double dof1, double dof2, double p) {
  require_dof(dof1);
  require_dof(dof2);
  require_probability(p);
  return boost::math::quantile(detail::FisherF(dof1, dof2), p);
}

double binomial_cdf(double trials, double p, double k) {
  detail::require(trials >= 0.0 && std::floor(trials) == trials,
                  "binomial_cdf: trials must be a non-negative integer");
  detail::require(p >= 0.0 && p <= 1.0, "binomial_cdf: p must lie in [0, 1]");
  if (k < 0.0) return 0.0;
  if (k >= trials) return 1.0;
  return boost::math::cdf(detail::Binomial(trials, p), std::floor(k));
}

}  // namespace initcheck::stats
