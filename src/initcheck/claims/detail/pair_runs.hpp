#pragma once
/// Internal: the pair runs of the `correlation` claim — a forward pass of each look network's
/// weights on a batch of input pairs of fixed correlation (engine::mix_input_pairs,
/// engine::run_replicates_with_pairs); the other claims' networks and inputs are unchanged.

#include <cstdint>

#include "initcheck/engine/trace_options.hpp"
#include "initcheck/model/network_config.hpp"

namespace initcheck::claims::detail {

/// c₀: the cosine of a pair's inputs (x′ = c₀·x + √(1−c₀²)·ξ): half of each input shared, so
/// both collapse (cosine → 1) and decorrelation (→ 0) are visible.
inline constexpr double kPairInputCorrelation = 0.5;
/// Samples per pair run (16 pairs) unless the configuration's batch is smaller (then at least
/// one pair) or the network has BatchNorm (then its own batch: the statistics depend on it).
inline constexpr std::int64_t kPairBatch = 32;
/// The configuration of the pair runs (the batch as above).
model::NetworkConfig pair_config(const model::NetworkConfig& config);
/// Forward only, pair cosines on, nothing else costly recorded.
engine::TraceOptions pair_trace_options();

}  // namespace initcheck::claims::detail
