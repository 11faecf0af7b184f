#pragma once
/// Gaussian expectations E[f(X)], X ~ N(mean, variance), by double-exponential quadrature split
/// at the kinks of f (to ≥ 10 significant digits for the activations of nn::Activation).

#include <functional>
#include <span>

#include "initcheck/nn/activation.hpp"

namespace initcheck::theory {

/// A real function of one real variable.
using ScalarFunction = std::function<double(double)>;

/// E[f(X)], X ~ N(mean, variance). The real line is split at 0 (in standardized units) and at
/// every `breakpoint` (points where f is not smooth, in X units); the two unbounded pieces use
/// exp-sinh and the bounded ones tanh-sinh quadrature with relative tolerance ~1e-14. With
/// variance 0 the result is f(mean). Where f·pdf comes within 1e10 of the double range the
/// expectation has overflowed: +inf (−inf for negative values; NaN if both signs overflow). Throws
/// std::invalid_argument for a negative or non-finite variance or a non-finite mean.
double gaussian_expectation(const ScalarFunction& f, double mean, double variance,
                            std::span<const double> breakpoints = {});

/// E[f(U₁)·g(U₂)] for (U₁, U₂) centred Gaussian with variances q1, q2 and correlation rho
/// (|rho| ≤ 1): a 1-D quadrature over U₁ of the conditional expectation of g, which is itself a
/// 1-D Gaussian expectation. `f_kinks` / `g_kinks` list the non-smooth points of f and g.
double correlated_product_expectation(const ScalarFunction& f, const ScalarFunction& g, double q1,
                                      double q2, double rho, std::span<const double> f_kinks = {},
                                      std::span<const double> g_kinks = {});

/// Moments of φ(Y), Y ~ N(mean, variance).
struct ActivationMoments {
  double mean = 0.0;                      ///< E[φ(Y)]
  double second_moment = 0.0;             ///< E[φ(Y)²]
  double derivative_second_moment = 0.0;  ///< E[φ′(Y)²]
};

/// E[φ(Y)], E[φ(Y)²] and E[φ′(Y)²] for Y ~ N(mean, variance), split at φ's kink.
ActivationMoments activation_moments(const nn::Activation& act, double mean, double variance);

/// E[φ(√q·Z)²], Z ~ N(0,1) (the integral in the q-map; Poole et al. 2016).
double activation_second_moment(const nn::Activation& act, double q = 1.0);
/// E[φ(√q·Z)].
double activation_mean(const nn::Activation& act, double q = 1.0);
/// E[φ′(√q·Z)²] (the integral in χ₁; Schoenholz et al. 2017).
double derivative_second_moment(const nn::Activation& act, double q = 1.0);

/// Variance factor of N(0,1) conditioned on |Z| ≤ cut, E[Z² | |Z| ≤ cut], computed by
/// quadrature with breakpoints at ±cut (cross-check of init::truncated_normal_variance_factor).
double truncated_normal_variance_by_quadrature(double cut);

}  // namespace initcheck::theory
