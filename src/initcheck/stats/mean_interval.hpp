#pragma once
/// Intervals for a mean: Student t (σ unknown) and normal (σ known).

#include <cstddef>

#include "initcheck/stats/confidence_interval.hpp"

namespace initcheck::stats {

/// Mean of n ≥ 2 iid N(μ, σ²) samples with unknown σ: x̄ ± t_{n−1,1−α/2}·s/√n (exact).
/// `sample_variance` is the unbiased s² = Σ(x − x̄)²/(n − 1).
ConfidenceInterval mean_interval(double mean, double sample_variance, std::size_t n, double level);

/// Mean of n ≥ 1 iid N(μ, σ²) samples with known σ: x̄ ± z_{1−α/2}·σ/√n (exact).
ConfidenceInterval mean_interval_known_sigma(double mean, double sigma, std::size_t n,
                                             double level);

}  // namespace initcheck::stats
