#pragma once
/// Closed-form weight laws of the basic distributions, for schemes and their tests.

#include "initcheck/init/init_scheme.hpp"

namespace initcheck::init {

/// Std of N(0,1) truncated at ±2 (JAX/Keras divide by it so the variance is exactly scale/n).
inline constexpr double kTruncatedNormalStd2 = 0.87962566103423978;

/// Var of N(0,1) conditioned on |z| ≤ c: 1 − 2cφ(c)/(2Φ(c) − 1).
double truncated_normal_variance_factor(double cut);
/// Kurtosis of N(0,1) conditioned on |z| ≤ c: (3 − (6c + 2c³)φ(c)/(2Φ(c) − 1)) / Var².
double truncated_normal_kurtosis(double cut);

/// N(mean, std²): kurtosis 3, unbounded.
WeightLaw normal_law(double mean, double std);
/// U(mean − bound, mean + bound): variance bound²/3, kurtosis 1.8.
WeightLaw uniform_law(double mean, double bound);
/// N(0, std²) conditioned on |w| ≤ cut·std (no variance correction).
WeightLaw truncated_normal_law(double std, double cut);

}  // namespace initcheck::init
