#include "initcheck/claims/detail/precision_plan.hpp"

#include <cmath>
#include <limits>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims::detail {
namespace {

bool gaussian_zero_mean(const init::WeightLaw& law) {
  return law.independent_entries && law.mean == 0.0 && std::abs(law.kurtosis - 3.0) <= 1e-9 &&
         law.support_bound == std::numeric_limits<double>::infinity();
}

/// Smallest x in (lo, 1) with n·KL(x‖lo) ≥ target (bisection; KL increases on (lo, 1)).
double upper_quantile_bound(double lo, double n, double target) {
  double a = lo;
  double b = 1.0;
  for (int i = 0; i < 200; ++i) {
    const double m = 0.5 * (a + b);
    (n * bernoulli_kl(m, lo) >= target ? b : a) = m;
  }
  return b;
}

/// True when n rows suffice (see precision_entries_needed).
bool rows_suffice(double n, double epsilon, double log_bound) {
  const double x99 = upper_quantile_bound(epsilon / 10.0, n, std::log(100.0));
  return x99 < epsilon && n * bernoulli_kl(x99, epsilon) >= log_bound;
}

}  // namespace

bool precision_exact_law(const model::NetworkConfig& config, bool pre_only) {
  if (config.arch == model::Architecture::conv || config.arch == model::Architecture::transformer ||
      config.round_weights || !config.init) {
    return false;
  }
  if (!pre_only) {
    if (config.norm != model::Norm::none) return false;
    if (config.activation.kind != nn::ActivationKind::relu &&
        config.activation.kind != nn::ActivationKind::linear) {
      return false;
    }
  }
  const int layers = model::weight_layer_count(config);
  for (int l = 0; l < layers; ++l) {
    const FanInfo fan = model::layer_fan(config, l);
    if (!gaussian_zero_mean(config.init->weight_law(fan))) return false;
    if (config.init->has_bias()) {
      const init::WeightLaw b = config.init->bias_law(fan);
      if (b.variance != 0.0 && !gaussian_zero_mean(b)) return false;
    }
  }
  return true;
}

std::int64_t precision_entries_needed(const model::NetworkConfig& config, double alpha,
                                      double epsilon) {
  if (!(alpha > 0.0 && alpha < 1.0) || !(epsilon > 0.0 && epsilon < 1.0)) {
    throw InputError("precision_entries_needed: need alpha and epsilon in (0, 1)");
  }
  if (precision_exact_law(config, false)) return 0;
  const int layers = model::weight_layer_count(config);
  const double log_bound = std::log(2.0 * std::max(layers, 1) / alpha);
  double hi = 1.0;
  while (!rows_suffice(hi, epsilon, log_bound)) hi *= 2.0;
  double lo = hi / 2.0;
  while (hi - lo > 1.0) {
    const double m = std::floor(0.5 * (lo + hi));
    (rows_suffice(m, epsilon, log_bound) ? hi : lo) = m;
  }
  return static_cast<std::int64_t>(hi);
}

}  // namespace initcheck::claims::detail
