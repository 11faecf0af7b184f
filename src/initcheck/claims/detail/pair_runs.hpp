#pragma once
/// Internal: the pair networks of the `correlation` claim — forward-only runs of the
/// configuration whose input samples come in pairs of fixed correlation (engine::mix_input_pairs),
/// on their own seed stream, so the other claims' networks and inputs are unchanged.

#include <cstdint>

#include "initcheck/engine/trace_options.hpp"
#include "initcheck/model/network_config.hpp"

namespace initcheck::claims::detail {

/// c₀: the cosine of a pair's inputs (x′ = c₀·x + √(1−c₀²)·ξ): half of each input shared, so
/// both collapse (cosine → 1) and decorrelation (→ 0) are visible.
inline constexpr double kPairInputCorrelation = 0.5;
/// Samples per pair network (16 pairs) unless the configuration's batch is smaller (then at least
/// one pair) or the network has BatchNorm (then its own batch: the statistics depend on it).
inline constexpr std::int64_t kPairBatch = 32;
/// Salt of the pair networks' seed (an arbitrary constant: "pairs" in ASCII).
inline constexpr std::uint64_t kPairSeedSalt = 0x7061697273ULL;

/// The configuration the pair networks run (the batch as above).
model::NetworkConfig pair_config(const model::NetworkConfig& config);
/// Forward only, pair cosines on, nothing else costly recorded.
engine::TraceOptions pair_trace_options();

}  // namespace initcheck::claims::detail
