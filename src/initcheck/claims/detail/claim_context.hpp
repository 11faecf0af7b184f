#pragma once
/// Internal interface of the claims: what a claim reads (each claim's descriptor, with its
/// check, is in claim_registry.hpp) and the helpers they share.

#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/claim_registry.hpp"
#include "initcheck/claims/claim_result.hpp"
#include "initcheck/engine/trace.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/theory/finite_width.hpp"
#include "initcheck/theory/pair_correlation.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims::detail {

/// Everything one claim check reads.
struct ClaimContext {
  const model::NetworkConfig& config;
  const CheckOptions& options;
  std::span<const engine::Trace> traces;  ///< iid network replicates (forward + backward)
  /// Replicates for `drift`: `traces` plus extra forward-only networks (see SamplePlan).
  std::span<const engine::Trace> drift_traces;
  const std::optional<theory::PredictedTrajectory>& trajectory;      ///< mean-field oracle
  const std::optional<theory::FiniteWidthPrediction>& finite_width;  ///< Hanin–Rolnick
  double alpha = 1e-7;  ///< this claim's share of the configuration's error budget
  /// Pair runs of the networks (detail/pair_runs.hpp; empty unless a claim needs_pair_networks) and
  /// the c-map prediction of their cosines (nullptr: none).
  std::span<const engine::Trace> pair_traces = {};
  const theory::PairCosinePrediction* pair_prediction = nullptr;
};

/// Claims among `ids` that spend α (ClaimDescriptor::spends_alpha).
std::size_t claims_spending_alpha(const std::vector<ClaimId>& ids);
/// Appends to an inconclusive result's advice how many networks would likely decide it (its
/// interval shrinks like 1/√R: R·(half-width / distance to the nearer band edge)²).
void add_networks_needed(ClaimResult& result, bool given_weights = false);

// --- shared helpers (claim_helpers.cpp) -------------------------------------------------------

/// Depth units D: weight layers (mlp, conv) or residual blocks (resnet).
int depth_units(const model::NetworkConfig& config);
/// Per-unit second moment of the activations entering depth unit l+1, l = 0..D (index 0 = the
/// network input; l ≥ 1 = the output of layer/block l: post-activation, or the residual stream).
std::vector<double> forward_moments(const engine::Trace& trace, const model::NetworkConfig& config);
/// The same from the mean-field oracle.
std::vector<double> predicted_forward_moments(const theory::PredictedTrajectory& t,
                                              const model::NetworkConfig& config);
/// Per-unit gradient second moment E[(∂L/∂h_l)²], l = 0..D (index D = the upstream gradient).
std::vector<double> backward_moments(const engine::Trace& trace,
                                     const model::NetworkConfig& config);
/// The same from the oracle (relative to E[r²] = 1 at index D).
std::vector<double> predicted_backward_moments(const theory::PredictedTrajectory& t,
                                               const model::NetworkConfig& config);

/// A result pre-filled with id, quantity, band and NaN prediction.
ClaimResult make_result(ClaimId id, std::string quantity, const stats::ToleranceBand& band);
/// Fills verdict and severity from ci/band.
void finish(ClaimResult& result);
/// Formats x with three significant digits (for advice text).
std::string short_number(double x);

/// Outcome of checking a per-depth series of log quantities against a log band: the combined
/// verdict, the reporting depth (first with the worst margin), the first violated depth, and the
/// interval in ratio units.
struct SeriesCheck {
  stats::Verdict verdict = stats::Verdict::holds;
  int depth = -1;                 ///< 1-based depth reported: worst violation or least certain
  int first_violated = 0;         ///< first violated depth (0 = none)
  stats::ConfidenceInterval ci;   ///< exp of the interval at `depth`
  std::vector<double> mean_gain;  ///< estimated E[X_l] per depth (index 0..D)
  std::size_t dead = 0;           ///< replicates whose quantity is exactly 0 at the last depth
  int unmeasurable = 0;           ///< depths skipped: predicted outside the format's range
};
/// The depth a claim reports among several: true when a depth with verdict `v` and CI margin
/// `margin` (signed distance inside the band, negative when it sticks out, NaN counts as −inf)
/// should replace the reported one: a more severe verdict first (violated, inconclusive, holds),
/// then the smaller margin (the worst violation, the least certain or the closest call).
bool reports_before(stats::Verdict v, double margin, stats::Verdict reported_verdict,
                    double reported_margin);

/// Share of a claim's α spent at depth l of D: α·2l/(D(D+1)) (weighted toward the deepest
/// depths, where the cumulative gain is most uncertain; the shares sum to α).
double depth_alpha(double alpha, int l, int depth);
/// Level of a two-sided interval whose three-way verdict against a band errs with probability
/// ≤ α either way: 1 − 2α (TOST: a false "violated" needs the interval to miss the truth on one
/// given side, a false "holds" on the other, each with probability ≤ α).
double equivalence_level(double alpha);

/// `logs[r][l]` = log X_{r,l} for replicates r and depths l = 0..D (index 0 ignored: always the
/// reference; −inf = a dead replicate). `reference` (size D+1, log units) is subtracted first
/// (theory or 0). Each depth's estimand is log E[X_l] (log_mean_interval), decided against the
/// band (ratio units) at equivalence_level(depth_alpha(α, l, D)).
struct LayerGainPivots;  // layer_gain_pivot.hpp

/// The cumulative exact-pivot test of `variance` and `growth`: for depths l = 1..measured, the
/// interval for Σ_{k≤l} log(unit_gain_k·σ_k²·fan_in_k) (cumulative_log_gain_interval) against
/// `log_band`, at equivalence_level(depth_alpha(α, l, depth)).
SeriesCheck check_cumulative_pivots(const LayerGainPivots& pivots,
                                    const std::vector<double>& unit_gain,
                                    const stats::ToleranceBand& log_band, double alpha,
                                    int measured, int depth);

/// Notes the depths `s` skipped in result.quantity; when it measured none, makes `result`
/// inconclusive (with advice) and returns false.
bool record_measured_depths(ClaimResult& result, const SeriesCheck& s);

/// Depths l whose `measurable[l]` is false are skipped (empty = all measured): see
/// measurable_moments.
SeriesCheck check_log_series(const std::vector<std::vector<double>>& logs,
                             const std::vector<double>& reference, const stats::ToleranceBand& band,
                             double alpha, double dead_bound,
                             const std::vector<bool>& measurable = {});
/// Which predicted second moments the storage format can represent with full precision:
/// m ∈ [min_normal², 1e-6·max²] (values of typical size √m neither subnormal nor within a factor
/// 1000 of overflow). Fixed by the oracle, never by the data: outside it a measured moment is
/// an artefact of the format (0 or inf), which `precision` reports.
std::vector<bool> measurable_moments(const std::vector<double>& predicted,
                                     precision::Format format);
/// Where the oracle (before any data) predicts the forward signal leaves the storage format.
struct FormatExit {
  int depth = -1;         ///< first depth l (0 = input) not measurable_moments; −1 = none
  bool overflow = false;  ///< above the range (else below it)
};
FormatExit predicted_format_exit(const model::NetworkConfig& config);
/// Leading weight layers (mlp/conv) whose predicted input and pre-activation second moments are
/// measurable: the exact pivots' cumulative products stop before the first that is not.
int measurable_layer_prefix(const ClaimContext& ctx);
/// A-priori bound on P(a network's activations are exactly 0 at some depth), fixed by the
/// configuration: 0 where that cannot happen (no exact zeros in fp32), Σ 2^{−n_l} for ReLU MLPs
/// with zero-mean symmetric iid weights, NaN when unknown (log_mean_interval then estimates it).
double a_priori_dead_bound(const ClaimContext& ctx);

}  // namespace initcheck::claims::detail

namespace initcheck::claims::detail {

/// ½·log(M_L/M_0) for the first input of the batch (per-sample norms; the batch RMS when the
/// trace has none).
double per_input_log_std_ratio(const engine::Trace& trace, const model::NetworkConfig& config);

/// One line of advice for a second-moment gain g per layer that should be 1: the scheme to use
/// for the configuration's activation (or the residual scaling for resnets).
std::string gain_advice(const model::NetworkConfig& config, double per_layer_gain);

/// Whether a resnet's stream grows additively, q_l = q_0 + α²·v·l with v fixed by the branch,
/// not geometrically: the branch reads a normalized input (norm placement pre) or ends in a
/// norm (placement none with a norm), so its output does not scale with the stream.
bool additive_stream_growth(const model::NetworkConfig& config);
/// Advice for such a stream whose second moment (`what`: "stream" or "gradient") grew
/// ×`total_gain` (> 1) over `blocks` blocks: v = (total_gain − 1)/(α²·blocks) per block, and
/// --branch-scale '1/sqrt(v*depth)' brings the predicted growth over the whole network to ×2.
/// (Pre placement, backward: block b scales the branch's gradient by 1/q_b, so the product
/// Π(1 + α²v/q_b) telescopes to q_L/q_0: the gradient grows additively as well.)
std::string additive_growth_advice(const model::NetworkConfig& config, double total_gain,
                                   int blocks, const std::string& what);
/// Advice for a gradient that grew ×`total_gain` (> 1) over `blocks` blocks of a post-norm
/// resnet: each block multiplies it by r = (1 + α²c)/(1 + α²v), c the branch's backward gain
/// (estimated from r) and v its forward gain (`branch_gain`, from the oracle). For a = α² small,
/// r^L ≈ exp(a·(c − v)·L), so --branch-scale '1/sqrt(X*depth)' with X = (c − v)/ln 2 brings the
/// total to ≈ ×2. Empty when c ≤ v (no α makes the gradient grow less than it does at α → 0).
std::string post_norm_gradient_advice(const model::NetworkConfig& config, double total_gain,
                                      int blocks, double branch_gain);

}  // namespace initcheck::claims::detail

namespace initcheck::claims::detail {

/// One layer's event-fraction test (precision_claim.cpp, header): the interval for p̄_l, the
/// exact conditional value when the Gaussian law applies and passes the guard, else the
/// distribution-free Chernoff interval over rows.
struct LayerEventTest {
  stats::ConfidenceInterval ci;
  bool exact = false;                                             ///< ci is the exact point
  double conditional = std::numeric_limits<double>::quiet_NaN();  ///< p̄_l from the law, or NaN
};
/// `pre_only`: count only z's events (bn-input).
LayerEventTest layer_event_test(const ClaimContext& ctx, std::size_t layer, bool pre_only,
                                double level);

}  // namespace initcheck::claims::detail
