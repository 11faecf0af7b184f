#pragma once
/// Finite-width fluctuations of one random network's output second moment (Hanin & Rolnick
/// 2018, "How to start training: the effect of initialization and architecture").
///
/// Quantity. For one input x and a network of fully connected layers z_l = W_l·h_{l−1},
/// h_l = φ(z_l) with φ(x) = x for x > 0 and a·x otherwise (relu a = 0, leaky_relu, linear a = 1),
/// iid symmetric weights with variance σ_l² and kurtosis κ_l, no bias, let
/// M_l = ‖h_l‖²/n_l (the layer's second moment) and S_l = (1/n_l)Σ_i h_{l,i}⁴.
///
/// Derivation. Given h_{l−1}, the z_i are iid and symmetric, so with c₂ = (1+a²)/2 and
/// c₄ = (1+a⁴)/2: E[φ(z)²] = c₂E[z²], E[φ(z)⁴] = c₄E[z⁴], E[z²] = σ²‖h‖², and
/// E[z⁴] = σ⁴(3‖h‖⁴ + (κ−3)Σ_j h_j⁴). Hence E[M_l | h] = g_l·M_{l−1} with g_l = c₂σ_l²n_{l−1},
/// and, writing a_l = E[M_l²]/(Πg)² and b_l = E[S_l]/(Πg)² (both normalized by M_0²),
///   a_l = a_{l−1}·(1 + (3c₄/c₂² − 1)/n_l) + (c₄/c₂²)(κ_l − 3)·b_{l−1}/(n_l·n_{l−1}),
///   b_l = (c₄/c₂²)·(3a_{l−1} + (κ_l − 3)·b_{l−1}/n_{l−1}),
/// exactly (a_0 = 1, b_0 = S_0/M_0², the input's sample kurtosis: 3 for Gaussian x on
/// average, capped at n_0, its largest possible value). For ReLU 3c₄/c₂² − 1 = 5, so for Gaussian
/// weights (κ = 3) E[M_L²]/E[M_L]² = Π_l (1 + 5/n_l) (Hanin–Rolnick; ≈ exp(5Σ1/n_l)); linear layers
/// give 1 + 2/n_l (χ²). Uniform weights (κ = 1.8) lower it by O(1/(n_l n_{l−1})).
///
/// Drift probability (an APPROXIMATION): log(M_L/M_0) is taken as Normal with variance
/// s² = ln(E[M_L²]/E[M_L]²) (= Σ ln(1 + 5/n_l) for Gaussian ReLU) and mean ln G − s²/2, G the
/// mean-field gain Π g_l, so that E[M_L/M_0] = G. The std ratio std_L/std_0 is √(M_L/M_0).

#include <cstdint>
#include <span>
#include <vector>

#include "initcheck/model/network_config.hpp"
#include "initcheck/nn/activation.hpp"

namespace initcheck::theory {

/// Finite-width prediction for a chain of layers.
struct FiniteWidthPrediction {
  /// E[M_l²]/E[M_l]² for l = 1..L (entry l−1); ≥ 1 (+inf beyond the double range).
  std::vector<double> moment_ratio;
  /// Mean-field gain E[M_L]/M_0 = Π g_l.
  double mean_gain = 1.0;
  /// s² = ln(moment_ratio.back()), the variance of log(M_L/M_0) in the log-normal model
  /// (finite even where moment_ratio overflows).
  double log_variance = 0.0;
};

/// Π_{l=1..L} (1 + 5/n_l) for widths n_0..n_L (n_0 does not enter).
double hanin_rolnick_ratio(std::span<const std::int64_t> widths);

/// The recursion above. `weight_variance` (σ_l², size L) sets the mean gain only;
/// `kurtosis` has size L. Throws InputError unless `act` is relu, leaky_relu or linear, the
/// sizes match and every width is positive.
FiniteWidthPrediction predict_finite_width(std::span<const std::int64_t> widths,
                                           const nn::Activation& act,
                                           std::span<const double> weight_variance,
                                           std::span<const double> kurtosis,
                                           double input_kurtosis = 3.0);

/// The same for an MLP config (weight laws from config.init per layer; input kurtosis 3, or
/// 3·E[s⁴]/E[s²]² for unnormalized inputs). Throws InputError for conv/resnet, normalization,
/// biases, non-zero-mean or dependent (orthogonal) weights, or a non-homogeneous activation.
FiniteWidthPrediction predict_finite_width(const model::NetworkConfig& config);

/// Log-normal approximation of P(std_L/std_0 ∉ [1/K, K]) = P(M_L/M_0 ∉ [1/K², K²]).
/// Total on valid configurations: 1 when the gain is 0 (the signal vanishes, e.g. `zeros` or an
/// underflowed Π g_l), +inf, or the log-variance is +inf. Throws std::invalid_argument unless
/// K > 1, gain >= 0 and log_variance >= 0 (NaN included).
double drift_probability(double log_variance, double mean_gain, double tolerance_k);

}  // namespace initcheck::theory
