#include "initcheck/stats/log_gain_interval.hpp"

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/polygamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <cmath>
#include <numbers>

#include "initcheck/stats/detail/boost_policy.hpp"
#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {
namespace {

/// Exact interval on log g from ĝ/g ~ χ²_k/k with tails `tail` on each side.
void exact_log_interval(double g, double k, double tail, double& lower, double& upper) {
  const detail::ChiSquared chi(k);
  lower = std::log(g * k / boost::math::quantile(boost::math::complement(chi, tail)));
  upper = std::log(g * k / boost::math::quantile(chi, tail));
}

}  // namespace

ConfidenceInterval log_gain_sum_interval(std::span<const double> gain_estimates,
                                         std::span<const double> dofs, double level) {
  detail::require(!gain_estimates.empty() && gain_estimates.size() == dofs.size(),
                  "log_gain_sum_interval: need one dof per layer (at least one layer)");
  detail::require_level(level);
  const detail::Policy policy;
  const std::size_t layers = gain_estimates.size();
  double estimate = 0.0;
  double variance = 0.0;
  double third_cumulant = 0.0;
  for (std::size_t l = 0; l < layers; ++l) {
    const double g = gain_estimates[l];
    const double k = dofs[l];
    detail::require(std::isfinite(g) && g > 0.0,
                    "log_gain_sum_interval: gain estimates must be > 0");
    detail::require(std::isfinite(k) && k > 0.0, "log_gain_sum_interval: dofs must be > 0");
    const double half_k = 0.5 * k;
    // E[log(χ²_k/k)] = ψ(k/2) + log 2 − log k.
    estimate +=
        std::log(g) - (boost::math::digamma(half_k, policy) + std::numbers::ln2 - std::log(k));
    variance += boost::math::trigamma(half_k, policy);
    third_cumulant += boost::math::polygamma(2, half_k, policy);
  }
  const double alpha = 1.0 - level;
  ConfidenceInterval ci{0.0, 0.0, estimate, level, layers};

  const double sd = std::sqrt(variance);
  const double skew = third_cumulant / (variance * sd);
  const detail::Normal normal;
  const double z_hi = boost::math::quantile(boost::math::complement(normal, alpha / 2.0));
  if (layers > 1 && std::abs(skew) * z_hi <= 1.5) {
    // Cornish–Fisher quantiles of the pivot D = Ŝ − S: w(p) = z_p + (z_p² − 1)γ/6; S = Ŝ − D.
    const double correction = (z_hi * z_hi - 1.0) * skew / 6.0;
    ci.lower = estimate - sd * (z_hi + correction);
    ci.upper = estimate - sd * (-z_hi + correction);
    return ci;
  }
  // Exact per-layer intervals; Bonferroni over layers keeps the joint coverage ≥ level.
  const double tail = alpha / (2.0 * static_cast<double>(layers));
  for (std::size_t l = 0; l < layers; ++l) {
    double lower = 0.0;
    double upper = 0.0;
    exact_log_interval(gain_estimates[l], dofs[l], tail, lower, upper);
    ci.lower += lower;
    ci.upper += upper;
  }
  return ci;
}

}  // namespace initcheck::stats
