#include "initcheck/stats/sample_size.hpp"

#include <algorithm>
#include <cmath>

#include "initcheck/stats/detail/boost_policy.hpp"
#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {
namespace {

double chi_cdf(const detail::ChiSquared& chi, double x) {
  if (x <= 0.0) return 0.0;
  if (std::isinf(x)) return 1.0;
  return boost::math::cdf(chi, x);
}

/// 1 − F(x) without cancellation.
double chi_survival(const detail::ChiSquared& chi, double x) {
  if (x <= 0.0) return 1.0;
  if (std::isinf(x)) return 0.0;
  return boost::math::cdf(boost::math::complement(chi, x));
}

double correct_verdict_probability(double dof, double ratio, const ToleranceBand& band,
                                   double alpha, bool inside) {
  const VerdictProbabilities p = variance_verdict_probabilities(dof, ratio, band, alpha);
  return inside ? p.holds : p.violated;
}

/// Two-sided level 1 − α Clopper–Pearson upper bound for x successes in n trials.
double cp_upper(double x, double n, double alpha) {
  if (x >= n) return 1.0;
  return detail::Binomial::find_upper_bound_on_p(n, x, alpha / 2.0);
}

}  // namespace

VerdictProbabilities variance_verdict_probabilities(double dof, double true_ratio,
                                                    const ToleranceBand& band, double alpha) {
  detail::require(std::isfinite(dof) && dof > 0.0,
                  "variance_verdict_probabilities: dof must be positive");
  detail::require(std::isfinite(true_ratio) && true_ratio > 0.0,
                  "variance_verdict_probabilities: ratio must be > 0");
  detail::require(band.lo >= 0.0 && band.lo < band.hi,
                  "variance_verdict_probabilities: band must satisfy 0 <= lo < hi");
  detail::require_level(alpha, "variance_verdict_probabilities: alpha must lie in (0, 1)");
  const detail::ChiSquared chi(dof);
  const double q_lo = boost::math::quantile(chi, alpha / 2.0);
  const double q_hi = boost::math::quantile(boost::math::complement(chi, alpha / 2.0));
  VerdictProbabilities p;
  p.holds = std::max(
      0.0, chi_cdf(chi, band.hi * q_lo / true_ratio) - chi_cdf(chi, band.lo * q_hi / true_ratio));
  p.violated =
      chi_cdf(chi, band.lo * q_lo / true_ratio) + chi_survival(chi, band.hi * q_hi / true_ratio);
  p.violated = std::min(1.0, p.violated);
  p.inconclusive = std::max(0.0, 1.0 - p.holds - p.violated);
  return p;
}

std::size_t variance_check_dof(double true_ratio, const ToleranceBand& band, double alpha,
                               double beta, std::size_t max_dof) {
  detail::require(true_ratio != band.lo && true_ratio != band.hi,
                  "variance_check_dof: the true ratio must not lie on the band boundary");
  detail::require_level(beta, "variance_check_dof: beta must lie in (0, 1)");
  const bool inside = band.lo < true_ratio && true_ratio < band.hi;
  const double target = 1.0 - beta;
  const auto enough = [&](std::size_t dof) {
    return correct_verdict_probability(static_cast<double>(dof), true_ratio, band, alpha, inside) >=
           target;
  };
  if (enough(1)) return 1;
  std::size_t bad = 1;
  std::size_t good = 2;
  while (!enough(good)) {
    bad = good;
    detail::require(good <= max_dof / 2,
                    "variance_check_dof: more than max_dof degrees of freedom needed");
    good *= 2;
  }
  while (good - bad > 1) {  // invariant: !enough(bad), enough(good)
    const std::size_t mid = bad + (good - bad) / 2;
    (enough(mid) ? good : bad) = mid;
  }
  return good;
}

double proportion_holds_probability(std::size_t trials, double true_p, double delta, double alpha) {
  detail::require(trials >= 1, "proportion_holds_probability: trials must be >= 1");
  detail::require(true_p >= 0.0 && true_p <= 1.0,
                  "proportion_holds_probability: p must lie in [0, 1]");
  detail::require(delta > 0.0 && delta < 1.0,
                  "proportion_holds_probability: delta must lie in (0, 1)");
  detail::require_level(alpha, "proportion_holds_probability: alpha must lie in (0, 1)");
  const auto n = static_cast<double>(trials);
  // Largest x with upper(x) ≤ δ (the upper bound increases with x): bisection on x.
  if (cp_upper(0.0, n, alpha) > delta) return 0.0;
  double good = 0.0;
  double bad = n;  // upper(n) = 1 > δ
  while (bad - good > 1.0) {
    const double mid = std::floor(0.5 * (good + bad));
    (cp_upper(mid, n, alpha) <= delta ? good : bad) = mid;
  }
  return boost::math::cdf(detail::Binomial(n, true_p), good);
}

std::size_t proportion_check_trials(double true_p, double delta, double alpha, double beta,
                                    std::size_t max_trials) {
  detail::require(true_p >= 0.0 && true_p < delta && delta < 1.0,
                  "proportion_check_trials: need 0 <= p < delta < 1");
  detail::require_level(alpha, "proportion_check_trials: alpha must lie in (0, 1)");
  detail::require_level(beta, "proportion_check_trials: beta must lie in (0, 1)");
  const double target = 1.0 - beta;
  // With x = 0 the upper bound is 1 − (α/2)^{1/n}; it exceeds δ for n < log(α/2)/log(1 − δ),
  // where the holds probability is 0.
  const double first = std::ceil(std::log(alpha / 2.0) / std::log1p(-delta));
  auto n = static_cast<std::size_t>(std::max(1.0, first - 1.0));
  // x*(n) = largest x with upper(x, n) ≤ δ is non-decreasing in n (the bound falls with n).
  double x_star = -1.0;
  for (; n <= max_trials; ++n) {
    const auto dn = static_cast<double>(n);
    while (x_star + 1.0 < dn && cp_upper(x_star + 1.0, dn, alpha) <= delta) x_star += 1.0;
    if (x_star >= 0.0 && boost::math::cdf(detail::Binomial(dn, true_p), x_star) >= target) return n;
  }
  throw std::invalid_argument("proportion_check_trials: more than max_trials trials needed");
}

}  // namespace initcheck::stats
