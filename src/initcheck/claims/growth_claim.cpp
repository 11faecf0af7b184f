/// `growth`: "10^5 = 100000 … 0.1^5 = 0.00001" — the second moment grows or decays
/// geometrically exactly as the mean-field oracle predicts, layer by layer.
///
/// Estimand (fixed by the configuration): the mean-field trajectory E[M_l]/M_0 against the
/// oracle's prediction, at every depth; band prediction × [1/K², K²].
///
/// Exact path (dense MLP, φ ∈ {relu, leaky_relu, linear}, no norm, no bias, fp32, independent
/// zero-mean weights with kurtosis ≤ 3): measured/predicted = Π_{k≤l} σ_k²(sampled)/σ_k²(declared)
/// exactly, tested with the pooled pre-activation χ² pivots (layer_gain_pivot.hpp) per depth.
///
/// General path, two tests, both must hold (α split in halves):
/// (a) trajectory: per replicate x_{r,l} = log(M_l/M_0) − log(M̂_l/M̂_0) (M̂ the oracle's
///     moments); log E[·] per depth by log_mean_interval (the mean, like the oracle — never the
///     geometric mean, which sits ½Var(log M) below it at finite width).
/// (b) exact linear steps (dense layers, zero-mean weights with independent entries and
///     kurtosis ≤ 3): for sample 0 of each replicate, given h = h_{l−1}, the pre-activations
///     z_i = w_i·h + b_i are iid with E[z_i²] = s² = σ_w²‖h‖² + σ_b², so
///     ‖z‖²/s² ~ ρ_l·χ²_{n_out} exactly for Gaussian weights (ρ_l = 1 when the scheme samples the
///     law it declares) and independent of the past; lighter-tailed laws (κ < 3) make χ²_{n_out}
///     conservative. stats::log_gain_sum_interval turns the R·D independent ratios into an
///     interval for Σ log ρ, i.e. for Π_l ρ_l (per network); band [1/K², K²].

#include <cmath>
#include <limits>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/layer_gain_pivot.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/stats/log_gain_interval.hpp"

namespace initcheck::claims::detail {
namespace {

/// Part (b); returns false when it does not apply.
bool linear_step_check(const ClaimContext& ctx, double level, stats::ConfidenceInterval& out) {
  const model::NetworkConfig& config = ctx.config;
  if (config.arch == model::Architecture::conv || !ctx.trajectory) return false;
  const auto& pl = ctx.trajectory->layers;
  for (std::size_t l = 0; l < pl.size(); ++l) {
    const init::WeightLaw law =
        config.init->weight_law(model::layer_fan(config, static_cast<int>(l)));
    if (!law.independent_entries || law.mean != 0.0 || law.kurtosis > 3.0 + 1e-9) return false;
    if (config.init->has_bias()) {
      const init::WeightLaw bias =
          config.init->bias_law(model::layer_fan(config, static_cast<int>(l)));
      if (bias.mean != 0.0 || bias.kurtosis > 3.0 + 1e-9) return false;
    }
  }
  std::vector<double> gains;
  std::vector<double> dofs;
  for (const engine::Trace& t : ctx.traces) {
    for (std::size_t l = 0; l < t.layers.size() && l < pl.size(); ++l) {
      const engine::LayerTrace& lt = t.layers[l];
      if (lt.input_sq_norms.empty() || lt.pre_sq_norms.empty()) return false;
      const double s2 = pl[l].weight_variance * lt.input_sq_norms[0] + pl[l].bias_variance;
      if (!(s2 > 0.0)) continue;  // decided by the past only: keeps independence
      const double g = lt.pre_sq_norms[0] / (static_cast<double>(lt.out_units) * s2);
      if (!std::isfinite(g) || !(g > 0.0)) return false;
      gains.push_back(g);
      dofs.push_back(static_cast<double>(lt.out_units));
    }
  }
  if (gains.empty()) return false;
  const stats::ConfidenceInterval sum = stats::log_gain_sum_interval(gains, dofs, level);
  const double r = static_cast<double>(ctx.traces.size());
  out = {std::exp(sum.lower / r), std::exp(sum.upper / r), std::exp(sum.estimate / r), level,
         sum.n};
  return true;
}

/// The exact path; false when it does not apply.
bool pivot_check(const ClaimContext& ctx, SeriesCheck& out) {
  const model::NetworkConfig& c = ctx.config;
  const nn::ActivationKind kind = c.activation.kind;
  if (kind != nn::ActivationKind::relu && kind != nn::ActivationKind::leaky_relu &&
      kind != nn::ActivationKind::linear) {
    return false;
  }
  if (!layer_gain_pivot_unavailable(c).empty()) return false;
  const int depth = c.depth();
  std::vector<double> unit_gain;  // 1/(σ_declared²·fan_in): the pivot then estimates the ratio
  for (int l = 0; l < depth; ++l) {
    const FanInfo fan = model::layer_fan(c, l);
    const double v = c.init->weight_law(fan).variance * static_cast<double>(fan.fan_in());
    if (!(v > 0.0) || !std::isfinite(v)) return false;
    unit_gain.push_back(1.0 / v);
  }
  const LayerGainPivots pivots = collect_layer_gain_pivots(ctx.traces);
  const double k2 = ctx.options.tolerance * ctx.options.tolerance;
  const stats::ToleranceBand log_band{-std::log(k2), std::log(k2)};
  out = check_cumulative_pivots(pivots, unit_gain, log_band, ctx.alpha,
                                measurable_layer_prefix(ctx), depth);
  return true;
}

/// Growth compares against the mean-field oracle, which has no prediction for a fixed matrix
/// and only an approximate one for transformers.
std::string growth_not_applicable(const model::NetworkConfig& config) {
  if (config.arch == model::Architecture::transformer) {
    return "the transformer oracle is approximate (attention as averaging over tokens, "
           "theory/transformer_trajectory.hpp): no calibrated comparison; see variance";
  }
  for (int l = 0; l < model::weight_layer_count(config); ++l) {
    if (!config.init->weight_law(model::layer_fan(config, l)).mean_field) {
      return "the mean-field oracle has no prediction for a fixed-matrix init (" +
             config.init->name() + ")";
    }
  }
  return {};
}

ClaimResult check_growth(const ClaimContext& ctx) {
  const double k2 = ctx.options.tolerance * ctx.options.tolerance;
  const int depth = ctx.config.depth();
  ClaimResult result = make_result(
      ClaimId::growth,
      "second-moment gain M_l/M_0 vs the mean-field prediction (band: prediction ×[1/K², K²]), "
      "worst of " +
          std::to_string(depth) + " depths",
      {1.0 / k2, k2});
  if (!ctx.trajectory) {
    result.verdict = stats::Verdict::inconclusive;
    result.advice = "the mean-field oracle has no prediction for this configuration";
    result.ci = {0.0, std::numeric_limits<double>::infinity(), 0.0, 1.0 - ctx.alpha, 0};
    return result;
  }
  const std::vector<double> p = predicted_forward_moments(*ctx.trajectory, ctx.config);
  std::vector<double> reference(p.size(), 0.0);
  for (std::size_t l = 1; l < p.size(); ++l) reference[l] = std::log(p[l]) - std::log(p[0]);
  SeriesCheck exact;
  if (pivot_check(ctx, exact)) {
    result.quantity =
        "mean-field gain E[M_l]/M_0 vs the prediction (exact pre-activation χ² pivots pooled "
        "over " +
        std::to_string(ctx.traces.size()) + " networks; band: prediction ×[1/K², K²]), worst of " +
        std::to_string(depth) + " depths";
    if (!record_measured_depths(result, exact)) return result;
    const auto d = static_cast<std::size_t>(std::max(exact.depth, 0));
    const double scale = std::exp(reference[d]);
    result.layer = exact.depth;
    result.first_layer = exact.first_violated > 0 ? exact.first_violated : -1;
    result.ci = {exact.ci.lower * scale, exact.ci.upper * scale, exact.ci.estimate * scale,
                 exact.ci.level, exact.ci.n};
    result.predicted = scale;
    result.band = {scale / k2, scale * k2};
    finish(result);
    result.verdict = stats::combine(result.verdict, exact.verdict);
    if (result.verdict == stats::Verdict::violated) {
      result.advice = "the sampled weights' variance differs from the scheme's declared law by ×" +
                      short_number(std::pow(exact.ci.estimate, 1.0 / std::max(1, exact.depth))) +
                      " per layer: fix fill_weights or weight_law (e.g. a missing √3 or "
                      "truncation correction)";
    }
    return result;
  }
  std::vector<std::vector<double>> logs;
  for (const engine::Trace& t : ctx.traces) {
    std::vector<double> m = forward_moments(t, ctx.config);
    std::vector<double> x(m.size(), 0.0);
    for (std::size_t l = 1; l < m.size(); ++l) x[l] = std::log(m[l]) - std::log(m[0]);
    logs.push_back(std::move(x));
  }
  const SeriesCheck s =
      check_log_series(logs, reference, result.band, ctx.alpha / 2.0, a_priori_dead_bound(ctx),
                       measurable_moments(p, ctx.config.precision));
  if (!record_measured_depths(result, s)) return result;
  stats::ConfidenceInterval linear;
  const bool has_linear = linear_step_check(ctx, equivalence_level(ctx.alpha / 2.0), linear);
  const stats::Verdict linear_verdict =
      has_linear ? safe_decide(linear, result.band) : stats::Verdict::holds;

  if (has_linear && static_cast<int>(linear_verdict) > static_cast<int>(s.verdict)) {
    result.quantity =
        "Π_l of measured/declared linear-layer gain ‖z‖²/(σ_w²‖h‖²+σ_b²) (exact χ², " +
        std::to_string(linear.n) + " layer draws)";
    result.ci = linear;
    result.predicted = 1.0;
    result.layer = -1;
    finish(result);
    if (result.verdict == stats::Verdict::violated) {
      result.advice = "the weights' sampled variance differs from the scheme's declared law by ×" +
                      short_number(std::pow(result.measured, 1.0 / std::max(1, depth))) +
                      " per layer: fix fill_weights or weight_law (e.g. a missing √3 or "
                      "truncation correction)";
    }
    return result;
  }
  // Report in absolute units: measured gain at the reported depth vs prediction ± band.
  const auto d = static_cast<std::size_t>(std::max(s.depth, 0));
  const double scale = std::exp(reference[d]);
  result.layer = s.depth;
  result.first_layer = s.first_violated > 0 ? s.first_violated : -1;
  result.ci = {s.ci.lower * scale, s.ci.upper * scale, s.ci.estimate * scale, s.ci.level, s.ci.n};
  result.predicted = scale;
  result.band = {scale / k2, scale * k2};
  if (!(scale > 0.0) || !std::isfinite(scale)) {
    result.verdict = s.verdict;
    result.measured = result.ci.estimate;
    result.severity = 0.0;
  } else {
    finish(result);
  }
  result.verdict = stats::combine(result.verdict, linear_verdict);
  if (result.verdict == stats::Verdict::violated && result.advice.empty()) {
    result.advice = "the network departs from the mean-field prediction by ×" +
                    short_number(s.ci.estimate) + " at depth " + std::to_string(s.depth) +
                    ": the scheme's declared weight law or the oracle's model does not match";
  }
  return result;
}

}  // namespace

extern constinit const ClaimDescriptor kGrowthClaim{
    .id = ClaimId::growth,
    .name = "growth",
    .quote = "10^5 = 100000 … 0.1^5 = 0.00001",
    .measure = "measured second-moment trajectory vs the mean-field prediction, layer by layer",
    .method =
        "The measured mean-field trajectory E[M_l]/M_0 is compared with the oracle's prediction "
        "at every depth (band: prediction × [1/K², K²]), with the same exact pivots or log-mean "
        "intervals as variance; depths the storage format cannot represent are skipped by the "
        "oracle, before any data.",
    .not_applicable = growth_not_applicable,
    .check = check_growth};

}  // namespace initcheck::claims::detail
