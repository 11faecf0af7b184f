#pragma once
/// Predicted rates of rounding events when Gaussian (or ReLU-of-Gaussian) values are stored in
/// a low-precision format with round-to-nearest-even.
///
/// Thresholds on |x| (ties go to the even neighbour, which decides the closed ends):
///   fp16: min subnormal 2⁻²⁴, min normal 2⁻¹⁴, max 65504: rounds to 0 iff |x| ≤ 2⁻²⁵; to a
///         subnormal iff 2⁻²⁵ < |x| < 2⁻¹⁴ − 2⁻²⁵; to ±inf iff |x| ≥ 65520.
///   bf16: min subnormal 2⁻¹³³, min normal 2⁻¹²⁶, max 2¹²⁸(1 − 2⁻⁸): 0 iff |x| ≤ 2⁻¹³⁴;
///         subnormal iff 2⁻¹³⁴ < |x| < 2⁻¹²⁶ − 2⁻¹³⁴; inf iff |x| ≥ 2¹²⁸(1 − 2⁻⁹).
///   fp32: min subnormal 2⁻¹⁴⁹, min normal 2⁻¹²⁶: 0 iff |x| ≤ 2⁻¹⁵⁰; subnormal iff
///         2⁻¹⁵⁰ < |x| < 2⁻¹²⁶ − 2⁻¹⁵⁰; inf iff |x| ≥ 2¹²⁸(1 − 2⁻²⁵).
/// An exact 0 (e.g. a ReLU output) is not an underflow (README, "The command line").

#include "initcheck/nn/activation.hpp"
#include "initcheck/precision/format.hpp"

namespace initcheck::theory {

/// The |x| thresholds of one format (see the header comment).
struct FormatThresholds {
  double flush = 0.0;            ///< |x| ≤ flush rounds to 0
  double subnormal_below = 0.0;  ///< flush < |x| < subnormal_below rounds to a subnormal
  double overflow = 0.0;         ///< |x| ≥ overflow rounds to ±inf
  double min_subnormal = 0.0;
  double min_normal = 0.0;
  double max_finite = 0.0;
};

FormatThresholds format_thresholds(precision::Format format);

/// Probabilities of the rounding events for one stored value.
struct EventProbabilities {
  double exact_zero = 0.0;  ///< value is exactly 0 before rounding (not an underflow)
  double flush = 0.0;       ///< non-zero value rounds to 0
  double subnormal = 0.0;   ///< rounds to a non-zero subnormal
  double overflow = 0.0;    ///< rounds to ±inf
  /// flush + subnormal: the "underflow" event of the precision claim.
  [[nodiscard]] double underflow() const { return flush + subnormal; }
};

/// Events for X ~ N(mean, std²) (std > 0).
EventProbabilities gaussian_event_probabilities(precision::Format format, double mean, double std);

/// Events for φ(X), X ~ N(mean, std²), φ = relu, leaky_relu or linear (piecewise linear:
/// relu's negative half is an exact 0). Throws InputError for other activations.
EventProbabilities activation_event_probabilities(precision::Format format,
                                                  const nn::Activation& act, double mean,
                                                  double std);

}  // namespace initcheck::theory
