#pragma once
/// Interval for a ratio of two normal variances (F distribution).

#include "initcheck/stats/confidence_interval.hpp"

namespace initcheck::stats {

/// σ₁²/σ₂² from independent variance estimates v_i with dof_i·v_i/σ_i² ~ χ²_{dof_i} (e.g. v_i
/// the unbiased sample variance of n_i normal samples, dof_i = n_i − 1; or the known-mean second
/// moment Σx²/n, dof = n). (v₁/σ₁²)/(v₂/σ₂²) ~ F(dof₁, dof₂) exactly, so the interval is
/// [r/F_{1−α/2}, r/F_{α/2}] with r = v₁/v₂; estimate r; n = dof₁ + dof₂.
ConfidenceInterval variance_ratio_interval(double variance1, double dof1, double variance2,
                                           double dof2, double level);

}  // namespace initcheck::stats
