#include "initcheck/stats/confidence_sequence.hpp"

#include <algorithm>
#include <boost/math/special_functions/lambert_w.hpp>
#include <cmath>
#include <numbers>

#include "initcheck/stats/detail/boost_policy.hpp"
#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {

double normal_mixture_optimal_rho(double target_intrinsic_time, double alpha) {
  detail::require(std::isfinite(target_intrinsic_time) && target_intrinsic_time > 0.0,
                  "normal_mixture_optimal_rho: target time must be positive");
  detail::require_level(alpha, "normal_mixture_optimal_rho: alpha must lie in (0, 1)");
  // With ρ = v/r and x = 1 + 1/r, d/dr[(1 + r)(log x − 2 log α)] = 0 ⇔ x e^{−x} = α²/e,
  // whose root x > 1 is −W₋₁(−α²/e).
  const double x = -boost::math::lambert_wm1(-alpha * alpha / std::numbers::e, detail::Policy());
  return target_intrinsic_time / (x - 1.0);
}

namespace {

// Validates the constructor arguments, then returns the mixture scale ρ tuned for target_n.
double validated_rho(double sigma, double alpha, double target_n, double support_lo,
                     double support_hi) {
  detail::require(std::isfinite(sigma) && sigma > 0.0,
                  "NormalMixtureSequence: sigma must be positive");
  detail::require(std::isfinite(target_n) && target_n >= 1.0,
                  "NormalMixtureSequence: target_n must be >= 1");
  detail::require(!std::isnan(support_lo) && !std::isnan(support_hi) && support_lo < support_hi,
                  "NormalMixtureSequence: support must satisfy lo < hi");
  return normal_mixture_optimal_rho(sigma * sigma * target_n, alpha);
}

}  // namespace

NormalMixtureSequence::NormalMixtureSequence(double sigma, double alpha, double target_n,
                                             double support_lo, double support_hi)
    : sigma_(sigma),
      alpha_(alpha),
      rho_(validated_rho(sigma, alpha, target_n, support_lo, support_hi)),
      support_lo_(support_lo),
      support_hi_(support_hi) {}

NormalMixtureSequence NormalMixtureSequence::bounded(double lo, double hi, double alpha,
                                                     double target_n) {
  detail::require(std::isfinite(lo) && std::isfinite(hi) && lo < hi,
                  "NormalMixtureSequence::bounded: need lo < hi");
  return {0.5 * (hi - lo), alpha, target_n, lo, hi};
}

double NormalMixtureSequence::boundary(double intrinsic_time) const {
  detail::require(std::isfinite(intrinsic_time) && intrinsic_time >= 0.0,
                  "NormalMixtureSequence::boundary: intrinsic time must be >= 0");
  const double v = intrinsic_time + rho_;
  return std::sqrt(v * (std::log(v / rho_) - 2.0 * std::log(alpha_)));
}

ConfidenceInterval NormalMixtureSequence::interval(double sum, std::size_t n) const {
  detail::require(n >= 1, "NormalMixtureSequence::interval: n must be >= 1");
  detail::require(std::isfinite(sum), "NormalMixtureSequence::interval: sum must be finite");
  const auto t = static_cast<double>(n);
  const double mean = sum / t;
  const double half = boundary(sigma_ * sigma_ * t) / t;
  return {std::max(support_lo_, mean - half), std::min(support_hi_, mean + half), mean,
          1.0 - alpha_, n};
}

}  // namespace initcheck::stats
