#pragma once
/// Intervals for a variance or second moment: exact χ² for normal samples, and a
/// kurtosis-aware moment-matched χ² for non-normal iid samples (uniform / truncated weights).

#include <cstddef>

#include "initcheck/stats/confidence_interval.hpp"

namespace initcheck::stats {

/// Exact interval for θ when `statistic` ~ θ·χ²_dof: [T/χ²_{dof,1−α/2}, T/χ²_{dof,α/2}] with
/// α = 1 − level; estimate T/dof; n = round(dof). dof may be fractional.
/// E.g. the per-layer gain: R_l = n_in‖z_l‖²/(σ_w²‖h_{l−1}‖²) ~ g_l·χ²_{n_out}
/// (docs/statistics.md).
ConfidenceInterval chi_squared_scale_interval(double statistic, double dof, double level);

/// Second moment σ² = E[x²] of n iid N(0, σ²) samples (mean known to be 0):
/// Σx²/σ² ~ χ²_n exactly.
ConfidenceInterval second_moment_interval(double sum_squares, std::size_t n, double level);

/// Variance σ² of n ≥ 2 iid N(μ, σ²) samples with unknown μ: Σ(x − x̄)²/σ² ~ χ²_{n−1} exactly.
ConfidenceInterval variance_interval(double sum_sq_dev, std::size_t n, double level);

/// E[x²] of n iid samples with mean 0 and kurtosis κ = E[x⁴]/E[x²]² (3 normal, 1.8 uniform,
/// ≈ 2.36 normal truncated at ±2σ). Var(Σx²/n) = σ⁴(κ − 1)/n exactly; the interval treats
/// Σx²/σ² as χ²_ν/ν·n with ν = 2n/(κ − 1), which matches the first two moments exactly
/// (Satterthwaite 1946) and is exact for κ = 3. Asymptotically valid (n → ∞) for any κ.
/// κ = 1 (e.g. ±c weights) gives the exact point interval [Σx²/n, Σx²/n].
ConfidenceInterval second_moment_interval_declared_kurtosis(double sum_squares, std::size_t n,
                                                            double kurtosis, double level);

/// As above with κ estimated by n·Σx⁴/(Σx²)² (plug-in; coverage error O(1/√n) from κ̂).
ConfidenceInterval second_moment_interval_estimated_kurtosis(double sum_squares,
                                                             double sum_fourth_powers,
                                                             std::size_t n, double level);

/// Variance of n ≥ 2 iid samples with unknown mean and kurtosis κ. Uses the exact
/// Var(s²) = σ⁴(κ − (n−3)/(n−1))/n (Cramér 1946, §27.4), and treats (n−1)s²/σ² as
/// χ²_ν·(n−1)/ν with ν = 2/(Var(s²)/σ⁴) (moment match); κ = 3 gives ν = n − 1 (exact).
ConfidenceInterval variance_interval_declared_kurtosis(double sum_sq_dev, std::size_t n,
                                                       double kurtosis, double level);

/// As above with κ estimated by n·Σd⁴/(Σd²)², d = x − x̄ (see SampleMoments).
ConfidenceInterval variance_interval_estimated_kurtosis(double sum_sq_dev, double sum_fourth_dev,
                                                        std::size_t n, double level);

}  // namespace initcheck::stats
