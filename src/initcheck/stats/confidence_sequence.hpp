#pragma once
/// Time-uniform confidence sequence for a mean (Howard, Ramdas, McAuliffe & Sekhon 2021,
/// "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49(2)):
/// the only licence to stop sampling early (docs/statistics.md).

#include <cstddef>
#include <limits>

#include "initcheck/stats/confidence_interval.hpp"

namespace initcheck::stats {

/// Two-sided normal-mixture boundary for iid observations X_i with mean μ whose centred values
/// are σ-sub-Gaussian (E e^{λ(X−μ)} ≤ e^{λ²σ²/2}: N(μ, σ²) exactly; any law on [a, b] with
/// σ = (b − a)/2 by Hoeffding's lemma, e.g. Bernoulli with σ = 1/2).
///
/// With S_t = Σ_{i≤t}(X_i − μ) and intrinsic time V_t = σ²t, mixing the supermartingales
/// exp(λS_t − λ²V_t/2) over λ ~ N(0, 1/ρ) gives M_t = √(ρ/(V_t+ρ))·exp(S_t²/(2(V_t+ρ))), and
/// Ville's inequality P(∃t: M_t ≥ 1/α) ≤ α yields their two-sided normal-mixture boundary
///     P(∃t ≥ 1: |S_t| ≥ u(V_t)) ≤ α,   u(v) = √((v + ρ)·log((v + ρ)/(ρ·α²))).
/// So CI_t = X̄_t ± u(σ²t)/t (clipped to the support) covers μ for all t simultaneously with
/// probability ≥ 1 − α: one may peek after every observation and stop at any data-dependent
/// time. ρ > 0 is free; ρ = σ²m/(−W₋₁(−α²/e) − 1) (W₋₁ the lower Lambert branch) minimises
/// u(σ²m) over ρ, i.e. makes the interval tightest after m = target_n observations
/// (derivation in normal_mixture_optimal_rho).
class NormalMixtureSequence {
 public:
  /// sigma > 0, alpha ∈ (0, 1), target_n ≥ 1; observations are known to lie in
  /// [support_lo, support_hi] (used only to clip the interval). Throws std::invalid_argument.
  NormalMixtureSequence(double sigma, double alpha, double target_n,
                        double support_lo = -std::numeric_limits<double>::infinity(),
                        double support_hi = std::numeric_limits<double>::infinity());

  /// Observations in [lo, hi] (e.g. Bernoulli: 0, 1): σ = (hi − lo)/2 and clipping to [lo, hi].
  static NormalMixtureSequence bounded(double lo, double hi, double alpha, double target_n);

  /// The mixture precision ρ.
  [[nodiscard]] double rho() const { return rho_; }
  [[nodiscard]] double alpha() const { return alpha_; }
  /// u(v) = √((v + ρ)·log((v + ρ)/(ρα²))) for intrinsic time v = σ²t ≥ 0.
  [[nodiscard]] double boundary(double intrinsic_time) const;
  /// Interval for μ after n ≥ 1 observations whose running sum is `sum`; level 1 − α holds
  /// uniformly over n. estimate = sum/n.
  [[nodiscard]] ConfidenceInterval interval(double sum, std::size_t n) const;

 private:
  double sigma_;
  double alpha_;
  double rho_;
  double support_lo_;
  double support_hi_;
};

/// ρ minimising the normal-mixture boundary's width at intrinsic time v_target:
/// v_target/(−W₋₁(−α²/e) − 1).
double normal_mixture_optimal_rho(double target_intrinsic_time, double alpha);

}  // namespace initcheck::stats
