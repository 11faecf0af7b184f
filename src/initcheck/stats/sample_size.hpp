#pragma once
/// Power and sample size for χ²-based variance checks and Clopper–Pearson proportion checks,
/// computed from the exact distributions (no normal approximation).

#include <cstddef>

#include "initcheck/stats/verdict.hpp"

namespace initcheck::stats {

/// Probabilities of the three verdicts (they sum to 1).
struct VerdictProbabilities {
  double holds = 0.0;
  double violated = 0.0;
  double inconclusive = 0.0;
};

/// Verdict distribution of decide(chi_squared_scale_interval(T, dof, 1 − α), band) when
/// T ~ ρ·χ²_dof (ρ the true ratio, e.g. σ²/σ₀², gain). With q_p = χ²_{dof,p}:
/// P(holds) = F(hi·q_{α/2}/ρ) − F(lo·q_{1−α/2}/ρ), P(violated) = F(lo·q_{α/2}/ρ) + 1 −
/// F(hi·q_{1−α/2}/ρ).
VerdictProbabilities variance_verdict_probabilities(double dof, double true_ratio,
                                                    const ToleranceBand& band, double alpha);

/// Degrees of freedom (= samples for second_moment_interval, units for a layer gain; add 1 for
/// variance_interval) a χ² check needs so that the correct verdict (holds if ρ is strictly
/// inside the band, violated if strictly outside) has probability ≥ 1 − β. Found by doubling
/// then bisection on the exact probability, so the result r satisfies P(correct; r) ≥ 1 − β and
/// P(correct; r − 1) < 1 − β (r is the smallest such dof when the power is monotone in dof,
/// which holds for the χ² family in practice). Throws std::invalid_argument if ρ is on the band
/// boundary, α, β ∉ (0, 1), or more than `max_dof` would be needed.
std::size_t variance_check_dof(double true_ratio, const ToleranceBand& band, double alpha,
                               double beta, std::size_t max_dof = 1'000'000'000);

/// P(the two-sided level 1 − α Clopper–Pearson upper bound from X ~ Binomial(trials, p) is
/// ≤ δ), i.e. the probability that a claim "p ≤ δ" is verdicted holds with band [0, δ].
double proportion_holds_probability(std::size_t trials, double true_p, double delta, double alpha);

/// The smallest number of trials (replicates) with proportion_holds_probability ≥ 1 − β, by an
/// exact linear scan (the power of a discrete test is not monotone in n, so a larger n may dip
/// below again; the returned n is the first that reaches 1 − β and n − 1 does not).
/// Requires 0 ≤ p < δ < 1. Throws std::invalid_argument beyond `max_trials`.
std::size_t proportion_check_trials(double true_p, double delta, double alpha, double beta,
                                    std::size_t max_trials = 100'000'000);

}  // namespace initcheck::stats
