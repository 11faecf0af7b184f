/// `precision`: "STD close to 0 … more underflow, especially in fp16" — in the storage format,
/// the fraction of stored activations flushed to zero, made subnormal, or overflowed to ±inf
/// stays ≤ ε at every layer (an exact 0, e.g. a ReLU output, is not an underflow).
///
/// Test: given a layer's input, its output rows (units) are iid, so each row's event fraction
/// f_i ∈ [0, 1] is an independent bounded variable; over R replicates a layer has R·n_out of
/// them. bounded_mean_interval (Chernoff–Hoeffding KL bound, valid for any [0, 1] law) at level
/// 1 − α/D per layer. Events of z, the normalized y (if any) and h are pooled per layer.

#include <cmath>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/theory/precision_prediction.hpp"

namespace initcheck::claims::detail {
namespace {

precision::PrecisionEvents layer_events(const engine::LayerTrace& l) {
  return l.pre_events + l.norm_events + l.post_events;
}

double event_fraction(const precision::PrecisionEvents& e) {
  if (e.total == 0) return 0.0;
  return static_cast<double>(e.underflow() + e.overflow) / static_cast<double>(e.total);
}

/// Gaussian prediction of the layer's event fraction (pre and post stages), or NaN.
double predicted_fraction(const ClaimContext& ctx, int layer) {
  if (!ctx.trajectory || ctx.config.norm != engine::Norm::none) return std::nan("");
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

}  // namespace

std::string precision_not_applicable(const engine::NetworkConfig& config) {
  if (config.precision == precision::Format::fp32) {
    return "fp32 storage: underflow/overflow only at scales no init reaches (run with --precision "
           "fp16 or bf16)";
  }
  return {};
}

/// Per-layer event-fraction test shared with `bn-input` (stage selects the events counted).
stats::ConfidenceInterval layer_event_interval(std::span<const engine::Trace> traces,
                                               std::size_t layer, bool pre_only, double level) {
  double sum = 0.0;
  double rows = 0.0;
  for (const engine::Trace& t : traces) {
    const engine::LayerTrace& l = t.layers[layer];
    sum += event_fraction(pre_only ? l.pre_events : layer_events(l));
    rows += static_cast<double>(l.out_units);
  }
  const double mean = traces.empty() ? 0.0 : sum / static_cast<double>(traces.size());
  return bounded_mean_interval(mean, rows, level);
}

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
  for (std::size_t l = 0; l < layers; ++l) {
    const stats::ConfidenceInterval ci = layer_event_interval(ctx.traces, l, false, level);
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
    const bool overflow = total.overflow > total.underflow();
    result.advice =
        std::string(overflow ? "values overflow to inf" : "values underflow (flushed/subnormal)") +
        " from layer " + std::to_string(first) + ": the activation scale drifts " +
        (overflow ? "up" : "down") + " — use a variance-preserving init (std ≈ 1 per layer)" +
        (ctx.config.precision == precision::Format::fp16 ? " or bf16 storage" : "");
  }
  return result;
}

}  // namespace initcheck::claims::detail
