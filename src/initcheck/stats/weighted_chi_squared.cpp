#include "initcheck/stats/weighted_chi_squared.hpp"

#include <cmath>

#include "initcheck/stats/detail/check.hpp"
#include "initcheck/stats/quantiles.hpp"
#include "initcheck/stats/variance_interval.hpp"

namespace initcheck::stats {

WeightedChiSquared weighted_chi_squared(std::span<const double> weights,
                                        std::span<const double> dofs) {
  detail::require(!weights.empty() && weights.size() == dofs.size(),
                  "weighted_chi_squared: need as many weights as dofs (at least one)");
  WeightedChiSquared q;
  q.terms = weights.size();
  for (std::size_t i = 0; i < weights.size(); ++i) {
    detail::require(std::isfinite(weights[i]) && weights[i] >= 0.0,
                    "weighted_chi_squared: weights must be >= 0");
    detail::require(std::isfinite(dofs[i]) && dofs[i] > 0.0,
                    "weighted_chi_squared: dofs must be > 0");
    q.mean += weights[i] * dofs[i];
    q.variance += 2.0 * weights[i] * weights[i] * dofs[i];
  }
  detail::require(q.mean > 0.0, "weighted_chi_squared: at least one weight must be > 0");
  q.scale = q.variance / (2.0 * q.mean);
  q.dof = 2.0 * q.mean * q.mean / q.variance;
  return q;
}

double weighted_chi_squared_quantile(const WeightedChiSquared& q, double p) {
  detail::require(q.scale > 0.0 && q.dof > 0.0,
                  "weighted_chi_squared_quantile: invalid distribution");
  return q.scale * chi_squared_quantile(q.dof, p);
}

ConfidenceInterval weighted_chi_squared_scale_interval(double observed, const WeightedChiSquared& q,
                                                       double level) {
  detail::require(q.scale > 0.0 && q.dof > 0.0,
                  "weighted_chi_squared_scale_interval: invalid distribution");
  // observed/(θ·c) ≈ χ²_ν, so θ has the χ² scale interval of observed/c.
  ConfidenceInterval ci = chi_squared_scale_interval(observed / q.scale, q.dof, level);
  ci.n = q.terms;
  return ci;  // estimate = (observed/c)/ν = observed/mean
}

}  // namespace initcheck::stats
