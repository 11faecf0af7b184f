#include "initcheck/theory/finite_width.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "initcheck/core/error.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::theory {
namespace {

/// Negative-side slope a of a piecewise-linear activation.
double negative_slope(const nn::Activation& act) {
  switch (act.kind) {
    case nn::ActivationKind::relu: return 0.0;
    case nn::ActivationKind::leaky_relu: return act.param;
    case nn::ActivationKind::linear: return 1.0;
    default:
      throw InputError("finite-width prediction needs relu, leaky_relu or linear (got '" +
                       act.name() + "')");
  }
}

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}

}  // namespace

double hanin_rolnick_ratio(std::span<const std::int64_t> widths) {
  double ratio = 1.0;
  for (std::size_t l = 1; l < widths.size(); ++l) {
    if (widths[l] <= 0) throw InputError("widths must be positive");
    ratio *= 1.0 + 5.0 / static_cast<double>(widths[l]);
  }
  return ratio;
}

FiniteWidthPrediction predict_finite_width(std::span<const std::int64_t> widths,
                                           const nn::Activation& act,
                                           std::span<const double> weight_variance,
                                           std::span<const double> kurtosis,
                                           double input_kurtosis) {
  if (widths.size() < 2) throw InputError("finite-width prediction needs depth >= 1");
  const std::size_t depth = widths.size() - 1;
  if (weight_variance.size() != depth || kurtosis.size() != depth) {
    throw std::invalid_argument("predict_finite_width: one variance and kurtosis per layer");
  }
  for (const std::int64_t n : widths) {
    if (n <= 0) throw InputError("widths must be positive");
  }
  const double a = negative_slope(act);
  const double c2 = 0.5 * (1.0 + a * a);
  const double c4 = 0.5 * (1.0 + a * a * a * a);
  const double r4 = c4 / (c2 * c2);  // E[φ⁴]/E[φ²]² relative to E[z⁴]/E[z²]²

  FiniteWidthPrediction p;
  // The recursion is linear in (a, b): once a exceeds kRescale it runs on (a, b)/e^log_scale,
  // so that deep narrow chains (a_L ≈ e^{5L/n}, beyond 1e308) keep a finite log_variance
  // (moment_ratio itself is then +inf).
  constexpr double kRescale = 1e100;
  double a_prev = 1.0;
  // b = n·Σx⁴/(Σx²)² of one input lies in [1, n] (Cauchy–Schwarz); beyond n (e.g. the Gaussian
  // average 3 at width 1 or 2) the recursion can give a < 1, even a negative second moment.
  double b_prev = std::min(input_kurtosis, static_cast<double>(widths.front()));
  double log_scale = 0.0;
  for (std::size_t l = 1; l <= depth; ++l) {
    const auto n_in = static_cast<double>(widths[l - 1]);
    const auto n_out = static_cast<double>(widths[l]);
    const double excess = kurtosis[l - 1] - 3.0;
    double a_next =
        a_prev * (1.0 + (3.0 * r4 - 1.0) / n_out) + r4 * excess * b_prev / (n_out * n_in);
    double b_next = r4 * (3.0 * a_prev + excess * b_prev / n_in);
    if (a_next > kRescale) {
      log_scale += std::log(a_next);
      b_next /= a_next;
      a_next = 1.0;
    }
    p.moment_ratio.push_back(log_scale == 0.0 ? a_next : std::exp(log_scale + std::log(a_next)));
    p.mean_gain *= c2 * weight_variance[l - 1] * n_in;
    a_prev = a_next;
    b_prev = b_next;
  }
  p.log_variance = log_scale + std::log(a_prev);
  return p;
}

FiniteWidthPrediction predict_finite_width(const model::NetworkConfig& config) {
  if (config.arch != model::Architecture::mlp) {
    throw InputError("finite-width prediction is for mlp networks only");
  }
  if (config.norm != model::Norm::none) {
    throw InputError("finite-width prediction assumes no normalization layer");
  }
  if (!config.init) throw InputError("finite-width prediction: the config has no init scheme");
  const std::size_t depth = config.widths.size() < 2 ? 0 : config.widths.size() - 1;
  std::vector<double> variance;
  std::vector<double> kurtosis;
  for (std::size_t l = 0; l < depth; ++l) {
    const FanInfo fan = model::layer_fan(config, static_cast<int>(l));
    const init::WeightLaw law = config.init->weight_law(fan);
    if (law.mean != 0.0 || !law.independent_entries) {
      throw InputError("finite-width prediction needs iid zero-mean weights (scheme '" +
                       config.init->name() + "')");
    }
    if (config.init->has_bias() && config.init->bias_law(fan).variance > 0.0) {
      throw InputError("finite-width prediction assumes no bias");
    }
    variance.push_back(law.variance);
    kurtosis.push_back(law.kurtosis);
  }
  double input_kurtosis = 3.0;
  if (config.input == model::InputKind::unnormalized && config.input_scale_range > 1.0) {
    const double r = config.input_scale_range;
    const double log_r = std::log(r);
    const double s2 = (r * r - 1.0 / (r * r)) / (4.0 * log_r);
    const double s4 = (std::pow(r, 4) - std::pow(r, -4)) / (8.0 * log_r);
    input_kurtosis = 3.0 * s4 / (s2 * s2);
  }
  return predict_finite_width(config.widths, config.activation, variance, kurtosis, input_kurtosis);
}

double drift_probability(double log_variance, double mean_gain, double tolerance_k) {
  if (!(tolerance_k > 1.0) || !(mean_gain >= 0.0) || !(log_variance >= 0.0)) {
    throw std::invalid_argument("drift_probability: need K > 1, gain >= 0, variance >= 0");
  }
  // A vanished (or underflowed) or overflowed gain puts every network outside the band, and so
  // does an unbounded log-variance (the log-normal's mass escapes to 0).
  if (mean_gain == 0.0 || std::isinf(mean_gain) || std::isinf(log_variance)) return 1.0;
  const double bound = 2.0 * std::log(tolerance_k);
  const double mu = std::log(mean_gain) - 0.5 * log_variance;
  if (log_variance == 0.0) return (mu < -bound || mu > bound) ? 1.0 : 0.0;
  const double s = std::sqrt(log_variance);
  return normal_cdf((-bound - mu) / s) + normal_cdf((mu - bound) / s);
}

}  // namespace initcheck::theory
