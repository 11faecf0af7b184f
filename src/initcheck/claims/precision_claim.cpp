/// `precision`: "STD close to 0 … more underflow, especially in fp16" — in the storage format,
/// the fraction of stored activations flushed to zero, made subnormal, or overflowed to ±inf
/// stays ≤ ε at every layer (an exact 0, e.g. a ReLU output, is not an underflow).
///
/// Estimand (per layer l, fixed before the data): p̄_l = (1/R)·Σ_r p_l(H_r), the expected event
/// fraction of layer l given each network's layer input H_r, averaged over the R networks
/// drawn (a conditional estimand; its mean over networks is E[f_l], the unconditional expected
/// fraction). Events of z, the normalized y (if any) and h are pooled per layer.
///
/// (a) Exact law (precision_exact_law: dense, zero-mean Gaussian weights and biases, relu or
///     linear, no norm). Given H, z_ib = w_i·h_b + b_i ~ N(0, s_b²), s_b² = σ_w²‖h_b‖² + σ_b²,
///     so p_l(H) = n_out·Σ_b [q_z(s_b) + q_h(s_b)] / (entries of the layer), q_z the N(0, s²)
///     mass of the format's event set (flush, subnormal band, overflow; theory/precision_
///     prediction) and q_h that of the post-activation subnormal band (ReLU: z > 0 only; a
///     flushed or ±inf z enters h as 0 or inf and is not counted again). ‖h_b‖² is recorded per
///     sample (TraceOptions:: per_sample_norms), so p̄_l is computed, not estimated: the interval is
///     the point p̄_l. Guard: the observed rows must not contradict it — p̄_l must lie in the
///     distribution-free interval (b) at the same level, else the layer is decided by (b) alone.
///     Caveat: z is an fp32 GEMM, so near 0 it lives on a grid of spacing ≈ 2⁻²⁴·|w_i|·‖h_b‖; for
///     fp16's 2⁻¹⁴ band that shifts p by ≲ 1e-3 relative, for bf16 it can only remove events.
/// (b) Otherwise (distribution-free): given H the rows of W are iid, so each row's event
///     fraction f_i ∈ [0, 1] is an independent unit (entries of one row are not: they share
///     w_i); over R replicates a layer has R·n_out of them. bounded_mean_interval (Chernoff–
///     Hoeffding KL bound, valid for any [0, 1] law and for independent non-identical rows as a
///     bound on their average mean, i.e. on p̄_l). "holds" needs ≈ 2.2·log(2D/α)/ε rows
///     (precision_entries_needed in detail/precision_plan.hpp).
/// Level 1 − α/D per layer (Bonferroni over the D layers); band [0, ε].

#include <cmath>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/precision_plan.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/theory/precision_prediction.hpp"

namespace initcheck::claims::detail {
namespace {

precision::PrecisionEvents layer_events(const engine::LayerTrace& l) {
  return l.pre_events + l.norm_events + l.post_events;
}

/// fp32 storage rounds nothing (the engine counts only ±inf and NaN there): with finite inputs
/// every ±inf or NaN value is an overflow of the fp32 arithmetic, and counts as one.
double event_fraction(const precision::PrecisionEvents& e, precision::Format format) {
  if (e.total == 0) return 0.0;
  const std::int64_t events =
      format == precision::Format::fp32 ? e.infinite + e.nan : e.underflow() + e.overflow;
  return static_cast<double>(events) / static_cast<double>(e.total);
}

/// Gaussian prediction of the layer's event fraction (pre and post stages), or NaN.
double predicted_fraction(const ClaimContext& ctx, int layer) {
  if (!ctx.trajectory || ctx.config.norm != model::Norm::none) return std::nan("");
  const theory::LayerPrediction& p = ctx.trajectory->layers[static_cast<std::size_t>(layer)];
  const double var = p.pre_second_moment - p.pre_mean * p.pre_mean;
  if (!(var > 0.0)) return std::nan("");
  try {
    const theory::EventProbabilities pre =
        theory::gaussian_event_probabilities(ctx.config.precision, p.pre_mean, std::sqrt(var));
    if (!p.activated) return pre.underflow() + pre.overflow;
    const theory::EventProbabilities post = theory::activation_event_probabilities(
        ctx.config.precision, ctx.config.activation, p.pre_mean, std::sqrt(var));
    return 0.5 * (pre.underflow() + pre.overflow + post.underflow() + post.overflow);
  } catch (const std::exception&) {
    return std::nan("");
  }
}

/// Expected events of one z entry ~ N(0, s²) (pre) and of its post-activation value (post):
/// the exact law of part (a) of the header.
struct EntryEvents {
  double pre = 0.0;
  double post = 0.0;
};

EntryEvents entry_events(precision::Format format, bool relu, double s) {
  if (s == 0.0) return {};  // z = 0 exactly: not an event
  const theory::EventProbabilities e = theory::gaussian_event_probabilities(format, 0.0, s);
  // h = φ(round(z)) is stored again: only a subnormal round(z) (> 0 for ReLU) is an event.
  return {e.underflow() + e.overflow, relu ? 0.5 * e.subnormal : e.subnormal};
}

/// p_l(H_r) of replicate `t` (header, part (a)); NaN when the trace lacks per-sample norms.
double conditional_fraction(const ClaimContext& ctx, const engine::Trace& t, std::size_t layer,
                            bool pre_only, double weight_var, double bias_var) {
  const engine::LayerTrace& l = t.layers[layer];
  const std::int64_t total =
      l.pre_events.total + (pre_only ? 0 : l.norm_events.total + l.post_events.total);
  if (total == 0) return 0.0;
  if (static_cast<std::int64_t>(l.input_sq_norms.size()) != l.columns) return std::nan("");
  const bool relu = ctx.config.activation.kind == nn::ActivationKind::relu;
  const bool post = !pre_only && l.activated && l.post_events.total > 0;
  double events = 0.0;
  for (double h2 : l.input_sq_norms) {
    const double s2 = weight_var * h2 + bias_var;
    if (!std::isfinite(s2)) return std::nan("");
    const EntryEvents e = entry_events(ctx.config.precision, relu, std::sqrt(s2));
    events += e.pre + (post ? e.post : 0.0);
  }
  return events * static_cast<double>(l.out_units) / static_cast<double>(total);
}

std::string precision_not_applicable(const model::NetworkConfig& config) {
  // fp32 storage rounds nothing, so only overflow (±inf, NaN) is observable: checked when the
  // oracle predicts the signal overflows (e.g. normal(std=1e40)), where `variance` skips the
  // depths as unmeasurable and the overflow itself is the finding.
  if (config.precision == precision::Format::fp32 && !predicted_format_exit(config).overflow) {
    return "fp32 storage: only overflow is observable and the predicted activation scale stays "
           "below it (run with --precision fp16 or bf16)";
  }
  return {};
}

}  // namespace

/// Per-layer event-fraction test shared with `bn-input` (stage selects the events counted).
LayerEventTest layer_event_test(const ClaimContext& ctx, std::size_t layer, bool pre_only,
                                double level) {
  LayerEventTest out;
  double sum = 0.0;
  double rows = 0.0;
  for (const engine::Trace& t : ctx.traces) {
    const engine::LayerTrace& l = t.layers[layer];
    sum += event_fraction(pre_only ? l.pre_events : layer_events(l), ctx.config.precision);
    rows += static_cast<double>(l.out_units);
  }
  const double mean = ctx.traces.empty() ? 0.0 : sum / static_cast<double>(ctx.traces.size());
  out.ci = bounded_mean_interval(mean, rows, level);
  if (ctx.traces.empty() || !precision_exact_law(ctx.config, pre_only)) return out;
  const FanInfo fan = model::layer_fan(ctx.config, static_cast<int>(layer));
  const double weight_var = ctx.config.init->weight_law(fan).variance;
  const double bias_var =
      ctx.config.init->has_bias() ? ctx.config.init->bias_law(fan).variance : 0.0;
  double predicted = 0.0;
  for (const engine::Trace& t : ctx.traces) {
    predicted += conditional_fraction(ctx, t, layer, pre_only, weight_var, bias_var);
  }
  predicted /= static_cast<double>(ctx.traces.size());
  out.conditional = predicted;
  if (!std::isfinite(predicted) || !out.ci.contains(predicted)) return out;  // guard
  out.exact = true;
  out.ci.lower = out.ci.upper = predicted;
  return out;
}

namespace {

ClaimResult check_precision(const ClaimContext& ctx) {
  const double eps = ctx.options.precision_epsilon;
  ClaimResult result =
      make_result(ClaimId::precision,
                  "fraction of stored activations flushed to 0, subnormal or ±inf in " +
                      std::string(precision::format_name(ctx.config.precision)) + " (rows of " +
                      std::to_string(ctx.traces.size()) + " networks), worst layer",
                  {0.0, eps});
  const std::size_t layers = ctx.traces.empty() ? 0 : ctx.traces.front().layers.size();
  const double level = 1.0 - ctx.alpha / static_cast<double>(std::max<std::size_t>(layers, 1));
  stats::Verdict verdict = stats::Verdict::holds;
  int worst = -1;
  int first = -1;
  stats::ConfidenceInterval worst_ci;
  std::size_t exact_layers = 0;
  for (std::size_t l = 0; l < layers; ++l) {
    const LayerEventTest test = layer_event_test(ctx, l, false, level);
    const stats::ConfidenceInterval& ci = test.ci;
    exact_layers += test.exact ? 1 : 0;
    const stats::Verdict v = safe_decide(ci, result.band);
    verdict = stats::combine(verdict, v);
    if (v == stats::Verdict::violated && first < 0) first = static_cast<int>(l) + 1;
    if (worst < 0 || ci.upper > worst_ci.upper ||
        (ci.upper == worst_ci.upper && ci.lower > worst_ci.lower)) {
      worst = static_cast<int>(l) + 1;
      worst_ci = ci;
    }
  }
  result.ci = worst_ci;
  if (exact_layers > 0) {
    result.quantity += "; expected fraction given each layer input (exact Gaussian law) at " +
                       std::to_string(exact_layers) + "/" + std::to_string(layers) + " layers";
  }
  result.layer = worst;
  result.first_layer = first;
  if (worst > 0) result.predicted = predicted_fraction(ctx, worst - 1);
  finish(result);
  result.verdict = stats::combine(result.verdict, verdict);
  if (result.verdict == stats::Verdict::violated) {
    precision::PrecisionEvents total;
    for (const engine::Trace& t : ctx.traces) {
      total += layer_events(t.layers[static_cast<std::size_t>(worst - 1)]);
    }
    const bool overflow =
        ctx.config.precision == precision::Format::fp32 || total.overflow > total.underflow();
    result.advice =
        std::string(overflow ? "values overflow to inf" : "values underflow (flushed/subnormal)") +
        " from layer " + std::to_string(first) + ": the activation scale drifts " +
        (overflow ? "up" : "down") + " — use a variance-preserving init (std ≈ 1 per layer)" +
        (ctx.config.precision == precision::Format::fp16 ? " or bf16 storage" : "");
  }
  return result;
}

}  // namespace

extern constinit const ClaimDescriptor kPrecisionClaim{
    .id = ClaimId::precision,
    .name = "precision",
    .quote = "STD close to 0 … more underflow, especially in fp16",
    .measure = "per-layer fraction of values flushed to zero, made subnormal or overflowed ≤ ε",
    .method =
        "Per layer, the expected fraction of values flushed to zero, made subnormal or "
        "overflowed in the storage format (an exact 0 from ReLU is not an underflow) must stay "
        "≤ ε. For Gaussian weights it is computed exactly from each layer's recorded input "
        "norms; otherwise rows of W are independent units (Chernoff bound).",
    .threshold = {"ε", &CheckOptions::precision_epsilon},
    .not_applicable = precision_not_applicable,
    .check = check_precision};

}  // namespace initcheck::claims::detail
