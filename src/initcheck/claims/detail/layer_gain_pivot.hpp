#pragma once
/// Exact per-layer pivots for the weight variance of dense layers, pooled over networks.
///
/// For one input column h = h_{l−1} of layer l and a weight matrix with iid N(0, σ_l²) entries,
/// z = W·h has iid N(0, σ_l²‖h‖²) entries given h, so ‖z‖²/‖h‖² ~ σ_l²·χ²_{n_l} exactly, whatever
/// the past (docs/statistics.md, "Independent units"). Summed over the R_l networks whose input
/// to layer l is finite and non-zero (a choice made by the past only, so it keeps the law):
///   T_l = Σ_r ‖z_{r,l}‖²/‖h_{r,l−1}‖² ~ σ_l²·χ²_{R_l·n_l}.
/// Entries with kurtosis κ < 3 (uniform, truncated normal) make χ² conservative (smaller
/// variance for the same mean). Used by `variance`, `growth` and the property suite.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "initcheck/engine/trace.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/stats/confidence_interval.hpp"

namespace initcheck::claims::detail {

/// Pooled pivot data of every weight layer (index l = 0..L−1).
struct LayerGainPivots {
  std::vector<double> ratio_sum;    ///< T_l (+inf when some ‖z‖² overflowed)
  std::vector<double> dof;          ///< R_l·n_l
  std::vector<std::int64_t> alive;  ///< R_l: networks with a finite, non-zero input to layer l
  std::vector<double> fan_in;       ///< fan_in of layer l
  std::int64_t networks = 0;        ///< R
  /// Networks whose first input died (‖h‖ = 0) or overflowed before the last layer.
  std::int64_t dead = 0;
  std::int64_t overflowed = 0;
};

/// Empty when the pivot is exact (or conservative) for `config`, else why not: dense MLP, no
/// normalization, no bias, fp32, weights with independent zero-mean entries and kurtosis ≤ 3.
std::string layer_gain_pivot_unavailable(const model::NetworkConfig& config);

/// Collects the pivots from sample 0 of every trace (TraceOptions::per_sample_norms).
LayerGainPivots collect_layer_gain_pivots(std::span<const engine::Trace> traces);

/// Interval for the cumulative log gain Σ_{k≤l} log(c_k·σ_k²·fan_in_k) (layers 0..l), with
/// `unit_gain[k]` = c_k: the gain of a layer with σ²·fan_in = 1. Exact pivots; NaN ends when a
/// layer ≤ l has no data; [+inf, +inf] after an overflow.
stats::ConfidenceInterval cumulative_log_gain_interval(const LayerGainPivots& pivots,
                                                       std::span<const double> unit_gain, int l,
                                                       double level);

/// Interval for one layer's log gain log(c_l·σ_l²·fan_in_l) (exact χ²).
stats::ConfidenceInterval layer_log_gain_interval(const LayerGainPivots& pivots, double unit_gain,
                                                  int l, double level);

}  // namespace initcheck::claims::detail
