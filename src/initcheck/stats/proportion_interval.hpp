#pragma once
/// Intervals for a binomial proportion: exact Clopper–Pearson and Wilson score.

#include <cstddef>

#include "initcheck/stats/confidence_interval.hpp"

namespace initcheck::stats {

/// Clopper & Pearson (1934) exact interval for p from x successes in n ≥ 1 trials: each end
/// has tail probability ≤ α/2 (α = 1 − level), so coverage ≥ level for every p. Computed with
/// boost::math::binomial_distribution::find_{lower,upper}_bound_on_p. 0/n → [0, 1 − (α/2)^{1/n}];
/// n/n → [(α/2)^{1/n}, 1]. A one-sided upper bound at level 1 − α' is the upper end at
/// level 1 − 2α'. Throws std::invalid_argument if x > n or n = 0.
ConfidenceInterval clopper_pearson_interval(std::size_t successes, std::size_t trials,
                                            double level);

/// Wilson (1927) score interval: (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²))/(1 + z²/n). Approximate
/// (coverage oscillates around the level); shorter than Clopper–Pearson.
ConfidenceInterval wilson_interval(std::size_t successes, std::size_t trials, double level);

}  // namespace initcheck::stats
