#pragma once
/// Interval for a sum of log gains over independent layers, Σ_l log g_l (the log of the
/// end-to-end second-moment gain Π_l g_l), from per-layer χ² estimates.

#include <span>

#include "initcheck/stats/confidence_interval.hpp"

namespace initcheck::stats {

/// Input: per-layer estimates ĝ_l with ĝ_l/g_l ~ χ²_{k_l}/k_l, independent across layers
/// (DESIGN §2: R_l/n_out for Gaussian weights, k_l = n_out). Output: interval for
/// S = Σ log g_l, so exp(lower), exp(upper) bound Π g_l.
///
/// Method (chosen over a Bonferroni union of per-layer intervals, which is far wider): log χ²_k
/// has exact cumulants κ₁ = ψ(k/2) + log 2, κ_j = ψ^{(j−1)}(k/2) for j ≥ 2 (polygamma), so
/// Ŝ = Σ[log ĝ_l − ψ(k_l/2) − log 2 + log k_l] is exactly unbiased for S with exact variance
/// V = Σ ψ′(k_l/2) and third cumulant K₃ = Σ ψ″(k_l/2) (< 0: left skew). The interval is the
/// Cornish–Fisher (one skewness term) normal approximation of the pivot Ŝ − S:
/// S ∈ [Ŝ − √V·w(1−α/2), Ŝ − √V·w(α/2)], w(p) = z_p + (z_p² − 1)·γ/6, γ = K₃/V^{3/2}.
/// Approximate; its error shrinks as Σ k_l and the number of layers grow (tests check the
/// coverage down to k_l = 2). Where the expansion is unreliable (|γ|·z_{1−α/2} > 1.5, i.e. very
/// few tiny-dof layers at extreme levels) it falls back to the exact, conservative Bonferroni
/// union: the sum of the exact per-layer χ² intervals on log g_l at level 1 − α/L each. One layer
/// → the exact χ² interval. estimate = Ŝ; n = number of layers. Throws std::invalid_argument
/// for non-positive ĝ_l or k_l or mismatched sizes.
ConfidenceInterval log_gain_sum_interval(std::span<const double> gain_estimates,
                                         std::span<const double> dofs, double level);

}  // namespace initcheck::stats
