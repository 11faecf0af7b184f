/// `bn-input`: "You want what is passed into Batchnorm to only have small variances from mean 0
/// std 1. You can lose information when you normalize otherwise." — two ways BN loses
/// information, both checked at every BN layer:
/// (1) ε swamps the variance: the BN output std √(σ_c²/(σ_c²+ε)) of every channel must stay
///     ≥ 1/K (deterministic: the smallest realized channel variance over layers and networks
///     against 1/K²);
/// (2) low-precision storage of the pre-BN values destroys resolution: the expected fraction of
///     stored z flushed, subnormal or overflowed stays ≤ ε_precision — the `precision` claim's
///     test on z alone (precision_claim.cpp): for dense layers with zero-mean Gaussian weights
///     z is exactly N(0, σ_w²‖h_b‖² + σ_b²) given the layer input, so the expected fraction is
///     computed from the recorded per-sample input norms (guarded by the observed counts);
///     otherwise rows are independent [0, 1] units (Chernoff bound). Level 1 − α/D per layer;
///     fp16/bf16 only.

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"

namespace initcheck::claims::detail {

namespace {

std::string bn_input_not_applicable(const model::NetworkConfig& config) {
  if (config.norm != model::Norm::batchnorm) return "needs --norm batchnorm";
  return {};
}

ClaimResult check_bn_input(const ClaimContext& ctx) {
  const double k2 = ctx.options.tolerance * ctx.options.tolerance;
  ClaimResult result =
      make_result(ClaimId::bn_input,
                  "smallest BatchNorm output variance σ²/(σ²+ε) over channels, layers and " +
                      std::to_string(ctx.traces.size()) + " networks",
                  {1.0 / k2, std::numeric_limits<double>::infinity()});
  double smallest = std::numeric_limits<double>::infinity();
  int layer = -1;
  double pre_var = 0.0;
  for (const engine::Trace& t : ctx.traces) {
    for (std::size_t l = 0; l < t.layers.size(); ++l) {
      double v = t.layers[l].norm.min_channel_variance;
      if (std::isnan(v)) v = 0.0;
      if (layer < 0 || v < smallest) {
        smallest = v;
        layer = static_cast<int>(l) + 1;
        pre_var = t.layers[l].pre.min_channel_variance;
      }
    }
  }
  result.ci = {smallest, smallest, smallest, 1.0, ctx.traces.size()};
  result.layer = layer;
  if (ctx.trajectory && layer > 0) {
    const theory::LayerPrediction& p = ctx.trajectory->layers[static_cast<std::size_t>(layer - 1)];
    const double var = p.pre_second_moment - p.pre_mean * p.pre_mean;
    result.predicted = var / (var + ctx.config.bn_eps);
  }
  finish(result);
  if (result.verdict == stats::Verdict::violated) {
    result.advice = "pre-BatchNorm channel variance " + short_number(pre_var) +
                    " is swamped by ε = " + short_number(ctx.config.bn_eps) +
                    ": initialize so the pre-BN std is ≈ 1 (a variance-preserving scheme)";
    return result;
  }
  if (ctx.config.precision == precision::Format::fp32) return result;
  // (2) pre-BN storage events.
  const std::size_t layers = ctx.traces.empty() ? 0 : ctx.traces.front().layers.size();
  const double level = 1.0 - ctx.alpha / static_cast<double>(std::max<std::size_t>(layers, 1));
  const stats::ToleranceBand band{0.0, ctx.options.precision_epsilon};
  stats::Verdict verdict = stats::Verdict::holds;
  for (std::size_t l = 0; l < layers; ++l) {
    const LayerEventTest test = layer_event_test(ctx, l, true, level);
    const stats::ConfidenceInterval& ci = test.ci;
    const stats::Verdict v = safe_decide(ci, band);
    if (static_cast<int>(v) > static_cast<int>(verdict)) {
      verdict = v;
      if (static_cast<int>(v) > static_cast<int>(result.verdict)) {
        result.quantity =
            "fraction of pre-BatchNorm values flushed, subnormal or ±inf in " +
            std::string(precision::format_name(ctx.config.precision)) +
            (test.exact ? " (expected, given the layer input: exact Gaussian law)" : "") +
            ", worst layer";
        result.band = band;
        result.ci = ci;
        result.layer = static_cast<int>(l) + 1;
        result.predicted = test.conditional;
        finish(result);
      }
    }
  }
  if (result.verdict == stats::Verdict::violated) {
    result.advice = "pre-BatchNorm values lose resolution in " +
                    std::string(precision::format_name(ctx.config.precision)) +
                    ": keep the pre-BN scale near 1 or store BN inputs in fp32";
  }
  return result;
}

}  // namespace

extern constinit const ClaimDescriptor kBnInputClaim{
    .id = ClaimId::bn_input,
    .name = "bn-input",
    .quote =
        "You want what is passed into Batchnorm to only have small variances from mean 0 std 1. "
        "You can lose information when you normalize otherwise.",
    .measure =
        "per-channel BatchNorm output std √(σ²/(σ²+ε)) ≥ 1/K; in fp16/bf16 pre-BN storage events "
        "as precision",
    .method =
        "BatchNorm's output std √(σ²/(σ²+ε)) must stay ≥ 1/K in every channel (a pre-BN std far "
        "below 1 lets ε swamp the variance), and in fp16/bf16 the stored pre-BN values must not "
        "be flushed or overflowed (as precision, on z).",
    .not_applicable = bn_input_not_applicable,
    .check = check_bn_input};

}  // namespace initcheck::claims::detail
