/// `variance`: "Mean 0 std 1 lasts a long time" — the mean-field second-moment gain
/// E[M_l]/M_0 = Π_{k≤l} g_k of the activations entering each layer stays within [1/K², K²] at
/// every depth l. The estimand is fixed by the configuration, never by the data.
///
/// Exact path (dense MLP, φ ∈ {relu, leaky_relu, linear}, no norm, no bias, fp32, independent
/// zero-mean weights with kurtosis ≤ 3): φ is homogeneous, so g_k = c₂·σ_k²·fan_in_k exactly
/// (c₂ = (1+a²)/2) and the pooled pre-activation pivot T_k ~ σ_k²·χ²_{R_k·n_k}
/// (layer_gain_pivot.hpp) gives an exact interval for Σ_{k≤l} log g_k (saddlepoint for the sum).
/// Networks whose signal died (‖h‖ = 0) leave the pool at the layer where it happened (decided
/// by the past only, so the pivots keep their law); their count is reported.
///
/// General path: per replicate x_{r,l} = log(M_{r,l}/M_{r,0}); log E[M_l/M_0] by the
/// dead-proportion × log-normal-mean interval of log_mean_interval (asymptotic in R).
/// Both: α weighted toward deep layers (depth_alpha), equivalence (TOST) levels.

#include <cmath>
#include <limits>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/layer_gain_pivot.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims::detail {

namespace {

/// c₂ = E[φ(z)²]/E[z²] for a homogeneous φ, or 0 when φ is not relu, leaky_relu or linear.
double homogeneous_unit_gain(const nn::Activation& act) {
  switch (act.kind) {
    case nn::ActivationKind::relu: return 0.5;
    case nn::ActivationKind::leaky_relu: return (1.0 + act.param * act.param) / 2.0;
    case nn::ActivationKind::linear: return 1.0;
    default: return 0.0;
  }
}

ClaimResult check_variance(const ClaimContext& ctx) {
  const double k2 = ctx.options.tolerance * ctx.options.tolerance;
  const int depth = ctx.config.depth();
  ClaimResult result =
      make_result(ClaimId::variance,
                  "mean-field second-moment gain E[M_l]/M_0 (log-normal mean over " +
                      std::to_string(ctx.traces.size()) + " networks), worst of " +
                      std::to_string(depth) + " depths",
                  {1.0 / k2, k2});
  const double c2 = homogeneous_unit_gain(ctx.config.activation);
  SeriesCheck s;
  if (c2 > 0.0 && layer_gain_pivot_unavailable(ctx.config).empty()) {
    const LayerGainPivots pivots = collect_layer_gain_pivots(ctx.traces);
    const std::vector<double> unit_gain(static_cast<std::size_t>(depth), c2);
    result.quantity =
        "mean-field second-moment gain Π_{k≤l} g_k (exact pre-activation χ² pivots pooled over " +
        std::to_string(pivots.networks) + " networks" +
        (pivots.dead > 0 ? ", " + std::to_string(pivots.dead) + " died" : std::string()) +
        "), worst of " + std::to_string(depth) + " depths";
    const stats::ToleranceBand log_band{std::log(result.band.lo), std::log(result.band.hi)};
    s = check_cumulative_pivots(pivots, unit_gain, log_band, ctx.alpha,
                                measurable_layer_prefix(ctx), depth);
  } else {
    std::vector<std::vector<double>> logs;
    logs.reserve(ctx.traces.size());
    for (const engine::Trace& t : ctx.traces) {
      std::vector<double> m = forward_moments(t, ctx.config);
      std::vector<double> x(m.size(), 0.0);
      for (std::size_t l = 1; l < m.size(); ++l) x[l] = std::log(m[l]) - std::log(m[0]);
      logs.push_back(std::move(x));
    }
    s = check_log_series(logs, std::vector<double>(static_cast<std::size_t>(depth) + 1, 0.0),
                         result.band, ctx.alpha, a_priori_dead_bound(ctx));
    if (s.dead > 0) {
      result.quantity += " (" + std::to_string(s.dead) + " networks died: counted as 0)";
    }
  }
  if (!record_measured_depths(result, s)) return result;
  result.ci = s.ci;
  result.layer = s.depth;
  result.first_layer = s.first_violated > 0 ? s.first_violated : -1;
  if (ctx.trajectory && s.depth > 0) {
    const std::vector<double> p = predicted_forward_moments(*ctx.trajectory, ctx.config);
    result.predicted = p[static_cast<std::size_t>(s.depth)] / p[0];
  }
  finish(result);
  if (result.verdict == stats::Verdict::violated) {
    const double g = std::pow(result.measured, 1.0 / std::max(1, s.depth));
    if (!std::isfinite(result.measured) || result.measured == 0.0) {
      result.advice = "activations " +
                      std::string(result.measured == 0.0 ? "vanish to 0" : "overflow") +
                      " by layer " + std::to_string(s.depth) + "; " + gain_advice(ctx.config, g);
    } else if (additive_stream_growth(ctx.config) && result.measured > 1.0) {
      result.advice = additive_growth_advice(ctx.config, result.measured, s.depth, "stream");
    } else {
      result.advice = gain_advice(ctx.config, g);
    }
  }
  return result;
}

}  // namespace

extern constinit const ClaimDescriptor kVarianceClaim{
    .id = ClaimId::variance,
    .name = "variance",
    .quote = "Mean 0 std 1 lasts a long time",
    .measure = "mean-field second-moment gain Π g_l with CI at every depth, within [1/K², K²]",
    .method =
        "Estimand: the mean-field gain E[M_l]/M_0 = Π g_l at every depth, within [1/K², K²]. "
        "For dense Gaussian-weight MLPs with relu, leaky_relu or linear activations it is exact: "
        "given the layer input, ‖z_l‖²/‖h_{l−1}‖² is σ_l²·χ² with n_l degrees of freedom, pooled "
        "over networks, and the sum of log gains gets a saddlepoint interval. Otherwise the log "
        "of the mean over networks is bounded by Jensen below and Cox's log-normal mean above; "
        "dead networks count as 0.",
    .check = check_variance};

}  // namespace initcheck::claims::detail
