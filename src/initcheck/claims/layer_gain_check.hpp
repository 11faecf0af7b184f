#pragma once
/// Per-layer gain test of an init scheme: the sharp test behind the reusable property suite.
///
/// Estimand, fixed before any data: every layer's gain at unit input,
///   g_l = E_{z~N(0,1)}[φ(z)²] · Var(W_l) · fan_in_l
/// (the mean-field gain for relu / leaky_relu / linear; the q = 1 fixed-point condition for other
/// activations), with Var(W_l) the variance of the weights the scheme actually samples. A scheme
/// matched to φ has g_l = target (1) at every layer.
///
/// Test: exact pre-activation χ² pivots of batch-1 networks, pooled per layer
/// (claims/detail/layer_gain_pivot.hpp): log ĝ_l has sd σ_l ≈ √(2/(R·n_l)). Equivalence band
/// |log g_l − log target| ≤ M with M = 2·z·σ and the CI half-width z·σ at level 1 − α/L per layer:
///  - a correct scheme "holds" with probability ≥ 1 − α (TOST: it fails only if some layer's
///    interval pokes out of the band, ≤ α/L per layer);
///  - a per-layer error ≥ `detectable` (in either direction) fails with probability ≥ 1 − β:
///    R is planned so that σ = log(1 + detectable)/(z + z_β) at the narrowest layer.
/// With the defaults (α = 1e-9, β = 1e-3, detectable 5 %, L ≤ 16) M ≈ 6.6 %: "holds" means every
/// layer's gain is shown to lie within ≈ ±6.6 % of the target.
/// Applies where the pivot is exact or conservative: dense MLP, no bias, no norm, fp32,
/// independent zero-mean weights with kurtosis ≤ 3 (layer_gain_check_unavailable()).

#include <cstdint>
#include <string>
#include <vector>

#include "initcheck/model/network_config.hpp"
#include "initcheck/stats/confidence_interval.hpp"
#include "initcheck/stats/verdict.hpp"

namespace initcheck::claims {

struct LayerGainOptions {
  double target = 1.0;       ///< the gain every layer should have
  double detectable = 0.05;  ///< relative per-layer error caught with power ≥ 1 − beta
  double alpha = 1e-9;       ///< probability that a correct scheme fails the check
  double beta = 1e-3;        ///< planned miss probability at an error of `detectable`
  int networks = 0;          ///< batch-1 networks; 0 = planned from the options
  std::uint64_t seed = 0;
  int threads = 1;
};

struct LayerGainCheck {
  stats::Verdict verdict = stats::Verdict::holds;  ///< holds, or violated/inconclusive
  std::vector<stats::ConfidenceInterval> gain;     ///< per layer, ratio units
  std::vector<stats::ToleranceBand> bands;         ///< per layer: target·[e^{−M_l}, e^{M_l}]
  int worst_layer = 0;                             ///< 1-based layer least inside the band
  int networks = 0;
  /// One line: the worst layer's gain, interval and band (for failure messages).
  [[nodiscard]] std::string describe() const;
};

/// Empty when the check applies to `config`, else the reason.
std::string layer_gain_check_unavailable(const model::NetworkConfig& config);

/// Networks the check plans for `config` (see the header comment).
int planned_layer_gain_networks(const model::NetworkConfig& config, const LayerGainOptions& o);

/// Runs the check. Throws InputError when it does not apply.
LayerGainCheck check_layer_gains(const model::NetworkConfig& config, const LayerGainOptions& o);

}  // namespace initcheck::claims
