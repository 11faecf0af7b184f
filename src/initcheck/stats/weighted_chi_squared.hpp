#pragma once
/// Q = Σ_i w_i·χ²_{k_i} (independent terms, w_i ≥ 0): exact mean and variance, and the
/// Satterthwaite (1946) approximation Q ≈ c·χ²_ν matching both moments exactly.

#include <cstddef>
#include <span>

#include "initcheck/stats/confidence_interval.hpp"

namespace initcheck::stats {

/// Moments of Q = Σ w_i χ²_{k_i}: mean = Σ w_i k_i, variance = 2 Σ w_i² k_i (exact);
/// Satterthwaite scale c = variance/(2·mean) and dof ν = 2·mean²/variance, so c·χ²_ν has
/// the same mean and variance. ν ≤ Σk_i with equality iff all weights are equal (then exact).
struct WeightedChiSquared {
  double mean = 0.0;
  double variance = 0.0;
  double scale = 0.0;
  double dof = 0.0;
  std::size_t terms = 0;
};

/// weights.size() == dofs.size() ≥ 1, w_i ≥ 0 (at least one > 0), k_i > 0; otherwise throws
/// std::invalid_argument.
WeightedChiSquared weighted_chi_squared(std::span<const double> weights,
                                        std::span<const double> dofs);

/// Approximate p-quantile of Q: c·χ²_{ν, p}.
double weighted_chi_squared_quantile(const WeightedChiSquared& q, double p);

/// Interval for θ when the observed value ~ θ·Q (e.g. θ a common variance scale):
/// [obs/(c·χ²_{ν,1−α/2}), obs/(c·χ²_{ν,α/2})], estimate obs/mean, n = number of terms.
/// Approximate (Satterthwaite); exact when all weights are equal.
ConfidenceInterval weighted_chi_squared_scale_interval(double observed, const WeightedChiSquared& q,
                                                       double level);

}  // namespace initcheck::stats
