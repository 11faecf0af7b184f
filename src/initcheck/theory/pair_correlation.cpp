#include "initcheck/theory/pair_correlation.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <optional>
#include <stdexcept>

#include "initcheck/theory/gaussian_expectation.hpp"

namespace initcheck::theory {
namespace {

/// Per-unit cross moment S = E[h·h′] and second moment M = E[h²] of a pair's representations.
struct PairMoments {
  double cross = 0.0;
  double second = 0.0;
  [[nodiscard]] double cosine() const {
    return second > 0.0 ? cross / second : 1.0;  // both 0: identical representations
  }
};

/// Closed forms for φ(x) = (1 − a)·relu(x) + a·x (relu a = 0, leaky_relu, linear a = 1) at
/// pre-activation second moment q and correlation c: the arc-cosine kernel
/// E[relu(u)relu(v)] = q/(2π)·(√(1 − c²) + (π − arccos c)·c) and E[relu(u)·v] = q·c/2 give
/// (1 − a)²·K + a·q·c, and (1 + a²)·q/2 at c = 1 (Cho & Saul 2009). nullopt for other φ.
std::optional<PairMoments> piecewise_linear_moments(const nn::Activation& act, double q, double c) {
  double a = 0.0;
  switch (act.kind) {
    case nn::ActivationKind::relu: a = 0.0; break;
    case nn::ActivationKind::leaky_relu: a = act.param; break;
    case nn::ActivationKind::linear: a = 1.0; break;
    default: return std::nullopt;
  }
  const double kernel =
      q / (2.0 * std::numbers::pi) *
      (std::sqrt(std::max(0.0, 1.0 - c * c)) + (std::numbers::pi - std::acos(c)) * c);
  return PairMoments{(1.0 - a) * (1.0 - a) * kernel + a * q * c, (1.0 + a * a) * q / 2.0};
}

/// One weight layer (see the header): the pre-activation correlation from the input moments,
/// then φ at the layer's q.
PairMoments layer_moments(const nn::Activation& act, const LayerPrediction& lp,
                          const PairMoments& in) {
  const double sw2 = static_cast<double>(lp.fan_in) * lp.weight_variance;
  const double q_in = sw2 * in.second + lp.bias_variance;
  const double c =
      q_in > 0.0 ? std::clamp((sw2 * in.cross + lp.bias_variance) / q_in, -1.0, 1.0) : 1.0;
  const double q = lp.pre_second_moment;
  if (!lp.activated) return {c * q, q};
  if (const std::optional<PairMoments> exact = piecewise_linear_moments(act, q, c)) return *exact;
  const std::vector<double> kinks{0.0};
  const auto phi = [&act](double x) { return act.value(x); };
  return {correlated_product_expectation(phi, phi, q, q, c, kinks, kinks),
          activation_second_moment(act, q)};
}

std::string unavailable_reason(const model::NetworkConfig& config,
                               const PredictedTrajectory& trajectory) {
  if (config.norm != model::Norm::none) return "no c-map prediction with normalization layers";
  if (config.input == model::InputKind::dataset_unnormalized) {
    return "no c-map prediction for raw dataset inputs (non-zero feature means)";
  }
  for (const LayerPrediction& lp : trajectory.layers) {
    if (lp.weight_mean != 0.0) return "no c-map prediction for non-zero-mean weights";
    if (config.arch == model::Architecture::conv &&
        (!config.activation.is_homogeneous() || lp.bias_variance > 0.0)) {
      return "no c-map prediction for conv layers with a bias or a non-homogeneous activation "
             "(zero padding makes q vary over pixels)";
    }
  }
  return {};
}

}  // namespace

PairCosinePrediction predict_pair_cosines(const model::NetworkConfig& config,
                                          const PredictedTrajectory& trajectory,
                                          double input_correlation) {
  if (!(input_correlation >= -1.0 && input_correlation <= 1.0)) {
    throw std::invalid_argument("predict_pair_cosines: the input correlation must lie in [-1, 1]");
  }
  PairCosinePrediction out;
  out.unavailable = unavailable_reason(config, trajectory);
  if (!out.unavailable.empty()) return out;
  const double m0 = trajectory.input_second_moment;
  PairMoments stream{input_correlation * m0, m0};
  out.cosine.push_back(input_correlation);
  if (config.arch == model::Architecture::resnet) {
    const double alpha2 = config.branch_scale * config.branch_scale;
    const auto per_block = static_cast<std::size_t>(std::max(config.block_layers, 1));
    for (std::size_t first = 0; first < trajectory.layers.size(); first += per_block) {
      PairMoments branch = stream;
      for (std::size_t j = first; j < first + per_block && j < trajectory.layers.size(); ++j) {
        branch = layer_moments(config.activation, trajectory.layers[j], branch);
      }
      stream.cross += alpha2 * branch.cross;
      stream.second += alpha2 * branch.second;
      out.cosine.push_back(stream.cosine());
    }
    return out;
  }
  for (const LayerPrediction& lp : trajectory.layers) {
    stream = layer_moments(config.activation, lp, stream);
    out.cosine.push_back(stream.cosine());
  }
  return out;
}

}  // namespace initcheck::theory
