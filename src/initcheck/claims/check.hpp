#pragma once
/// Checks every applicable claim on one configuration: the engine of `initcheck check`.

#include <cstdint>
#include <vector>

#include "initcheck/claims/claim_id.hpp"
#include "initcheck/claims/claim_result.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/stats/verdict.hpp"

namespace initcheck::claims {

struct CheckOptions {
  /// Empty = every claim, each checked only where it applies; else exactly these (each must apply).
  std::vector<ClaimId> claims;
  double tolerance = 2.0;           ///< K: std within [1/K, K], second moment within [1/K², K²]
  double drift_delta = 0.01;        ///< δ: allowed probability that one network drifts out
  double precision_epsilon = 1e-3;  ///< ε: allowed fraction of precision events per layer
  /// η: `correlation` is violated when the output cosine of an input pair exceeds 1 − η
  /// (‖v − v′‖² = 2(1 − cos)·‖v‖² for equal norms: the pair's difference keeps < 2 % of the
  /// energy, against 100 % at the input cosine 0.5)
  double correlation_eta = 0.01;
  double alpha = 1e-6;  ///< family-wise false-violation probability per configuration
  std::uint64_t seed = 0;
  int threads = 0;           ///< 0 = all cores; results never depend on it
  int replicates = 0;        ///< networks to run; 0 = sized by the sample plan (need + budget)
  int drift_replicates = 0;  ///< networks for `drift`; 0 = sized by the sample plan
  /// Sequential sampling: undecided claims get more networks (2R, 4R) while the total stays
  /// within max_networks (0 = 4·96) and budget_seconds of nominal compute (a flop count at a
  /// fixed nominal rate, so results never depend on the machine's speed).
  int max_networks = 0;
  double budget_seconds = 5.0;
  /// Refuse the configuration (InputError, before any network is built) when the run's
  /// estimated memory (engine/memory_estimate.hpp: one network per thread plus every kept
  /// trace) exceeds this many bytes; 0 = no limit.
  double max_memory_bytes = 0.0;
};

/// Per-layer curves for plots (index 0 = network input, index l = layer l's output).
struct LayerCurves {
  std::vector<double> forward_std;  ///< measured std of activations (mean over replicates)
  std::vector<double> predicted_forward_std;  ///< theory
  std::vector<double> gradient_std;           ///< measured std of dL/dh per unit
  std::vector<double> predicted_gradient_std;
  std::vector<double> flushed_fraction;  ///< precision events per layer
  std::vector<double> subnormal_fraction;
  std::vector<double> overflow_fraction;
  std::vector<double> drift_lower;  ///< 5% / 95% quantiles of std_l/std_0 over replicates
  std::vector<double> drift_upper;
  std::vector<double> predicted_drift_lower;  ///< Hanin–Rolnick log-normal 5% / 95% band
  std::vector<double> predicted_drift_upper;
  /// `correlation`: mean cosine of an input pair (index 0 = the input, cosine 0.5), over the
  /// networks' pair runs, and the mean-field c-map prediction (empty when there is none).
  /// Transformers: the mean token cosine of the networks' own sequences (index 0 = the input
  /// tokens, ≈ 0; engine::Trace::pair_cosine), never a prediction.
  std::vector<double> pair_cosine;
  std::vector<double> predicted_pair_cosine;
};

struct CheckResult {
  std::vector<ClaimResult> claims;  ///< in kAllClaims order; non-applicable ones included
  stats::Verdict overall = stats::Verdict::holds;
  LayerCurves curves;
  int replicates = 0;        ///< independent networks the engine ran (sized by the sample plan)
  int drift_replicates = 0;  ///< networks behind `drift` (replicates + forward-only extras)
  /// Networks whose pair runs (transformer: token cosines) `correlation` read (0: not checked).
  int pair_replicates = 0;
};

/// Throws InputError naming the first claim in `options.claims` (an explicit selection) that
/// does not apply to `config` and why, e.g. "claim 'batchnorm' does not apply: the network has
/// no BatchNorm (use --norm batchnorm)": a selected claim is checked or refused, never skipped.
void require_selected_claims_apply(const model::NetworkConfig& config, const CheckOptions& options);

/// Runs the engine, theory and statistics for `config` and returns one result per claim.
/// Deterministic for a given (config, options.seed) whatever options.threads is. Throws
/// InputError (require_selected_claims_apply) before any work if a selected claim does not
/// apply; with no selection, claims that do not apply are listed with their reason.
CheckResult check_configuration(const model::NetworkConfig& config, const CheckOptions& options);

/// violated if any applicable claim is violated, else inconclusive if any is, else holds.
stats::Verdict overall_verdict(const std::vector<ClaimResult>& results);

}  // namespace initcheck::claims
