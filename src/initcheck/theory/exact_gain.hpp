#pragma once
/// Exact variance-preserving gains, next to PyTorch's calculate_gain and the stability of the
/// fixed point each gain creates (a gain is reported with its q-map slope).

#include <optional>

#include "initcheck/nn/activation.hpp"

namespace initcheck::theory {

/// 1/√E[φ(Z)²], Z ~ N(0,1): with Var(W) = gain²/fan_in a layer maps second moment 1 to 1.
double variance_preserving_gain(const nn::Activation& act);

/// σ_w with σ_w²·E[φ(Z)²] + σ_b² = 1 (q = 1 is a fixed point of the q-map with bias).
/// Throws std::invalid_argument unless 0 ≤ σ_b² < 1.
double fixed_point_gain(const nn::Activation& act, double bias_variance);

/// PyTorch's calculate_gain(act.base_name(), param) (leaky_relu passes its slope), or nullopt
/// when PyTorch has no gain for the activation (gelu, silu, elu, softplus, mish).
std::optional<double> torch_gain(const nn::Activation& act);

/// One activation's gains side by side.
struct GainReport {
  nn::Activation activation;
  double bias_variance = 0.0;   ///< σ_b² the fixed-point gain was computed for
  double second_moment = 0.0;   ///< E[φ(Z)²]
  double exact_gain = 0.0;      ///< fixed_point_gain(act, σ_b²) (= 1/√E[φ²] without bias)
  double slope = 0.0;           ///< q-map slope at q* = 1 with σ_w = exact_gain
  double chi1 = 0.0;            ///< σ_w²E[φ′(Z)²] at q = 1 with σ_w = exact_gain
  std::optional<double> torch;  ///< PyTorch's calculate_gain
  std::optional<double> ratio;  ///< exact_gain / torch
  std::optional<double> torch_q_star;  ///< q* reached from q = 1 with σ_w = torch gain
  std::optional<double> torch_slope;   ///< q-map slope at that q*
};

/// The gains of `act`, with σ_b² = bias_variance.
GainReport gain_report(const nn::Activation& act, double bias_variance = 0.0);

}  // namespace initcheck::theory
