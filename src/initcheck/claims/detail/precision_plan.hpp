#pragma once
/// Sample sizes for the `precision` claim (and the storage part of `bn-input`), for the sample
/// planner: how many independent units each layer needs so that "holds" is reachable.

#include <cstdint>

#include "initcheck/model/network_config.hpp"

namespace initcheck::claims::detail {

/// True when every layer's z has the exact conditional law the precision test uses: given the
/// layer input h, z_ib = w_i·h_b + b_i ~ N(0, σ_w²‖h_b‖² + σ_b²), iid over rows i (dense layers:
/// mlp or resnet; zero-mean Gaussian weights and biases with independent entries, i.e. declared
/// kurtosis 3 and unbounded support; weights not rounded to the storage format). `pre_only`:
/// only z's events count (bn-input); otherwise also the post-activation stage, which is exact
/// for relu and linear without a norm layer.
bool precision_exact_law(const model::NetworkConfig& config, bool pre_only);

/// Independent rows (R · n_out, summed over the R replicates; rows of W are iid given the layer
/// input, entries of one row are not) each layer needs so that the distribution-free test
/// (Chernoff–Hoeffding bound at level 1 − α/D per layer, D = weight layers) says "holds" with
/// probability ≥ 0.99 whenever every row's expected event fraction is ≤ ε/10. It is the least n
/// with n·KL(x₉₉‖ε) ≥ log(2D/α), where x₉₉ > ε/10 solves n·KL(x₉₉‖ε/10) = log(100) (a Chernoff
/// bound on the 0.99 quantile of the row mean; Bernoulli rows are the worst case). Roughly
/// n ≈ 1.5·log(2D/α)/KL(ε/10‖ε) ≈ 2.2·log(2D/α)/ε for small ε. Returns 0 when
/// precision_exact_law(config, false) holds (the exact law needs no extra rows).
/// `alpha` is the claim's share of the configuration's budget (CheckOptions::alpha / claims).
std::int64_t precision_entries_needed(const model::NetworkConfig& config, double alpha,
                                      double epsilon);

}  // namespace initcheck::claims::detail
