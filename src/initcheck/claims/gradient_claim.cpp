/// `gradient`: "We can get into the actual gradients as well" — the per-unit second moment of
/// the backward gradient ∂L/∂h_l stays within [1/K², K²] of the upstream gradient's at every
/// depth (L = Σ r ⊙ output with r ~ N(0, 1) independent of the network).
///
/// Estimand: the mean-field backward gain E[(∂L/∂h_l)²]/E[r²] (fixed; never the geometric mean).
/// Test: x_{r,l} = log(E[(∂L/∂h_l)²]/E[r²]) per replicate, log E[·] per depth by
/// log_mean_interval (dead networks counted as 0), α weighted toward deep layers, TOST levels. The
/// oracle's backward trajectory is the prediction: fan_in schemes on changing widths predict the
/// width ratio Π n_out/n_in (He et al. 2015), BatchNorm ReLU nets ≈ π/(π−1) growth per layer (Yang
/// et al. 2019) — both reported as violations, not hidden.

#include <cmath>
#include <exception>
#include <optional>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"

namespace initcheck::claims::detail {

namespace {

std::string gradient_not_applicable(const model::NetworkConfig& config) {
  // Backward passes through activations the storage format cannot hold (overflowed to inf/NaN
  // or flushed) measure the format, not the init: decided from the oracle, before any data.
  const int l = predicted_format_exit(config).depth;
  if (l < 0) return {};
  return "the forward signal leaves the " + std::string(precision::format_name(config.precision)) +
         " range by layer " + std::to_string(l) +
         " (predicted): gradients are not measurable (see variance)";
}

ClaimResult check_gradient(const ClaimContext& ctx) {
  const double k2 = ctx.options.tolerance * ctx.options.tolerance;
  const int depth = ctx.config.depth();
  ClaimResult result =
      make_result(ClaimId::gradient,
                  "gradient second-moment gain E[(∂L/∂h_l)²]/E[r²] from the output back to depth l "
                  "(log-normal mean over " +
                      std::to_string(ctx.traces.size()) + " networks), worst depth",
                  {1.0 / k2, k2});
  // Series index j = 1..D counts layers traversed backwards: j ↔ h_{D−j}.
  std::vector<std::vector<double>> logs;
  for (const engine::Trace& t : ctx.traces) {
    const std::vector<double> g = backward_moments(t, ctx.config);
    std::vector<double> x(g.size(), 0.0);
    for (int j = 1; j <= depth; ++j) {
      x[static_cast<std::size_t>(j)] = std::log(g[static_cast<std::size_t>(depth - j)]) -
                                       std::log(g[static_cast<std::size_t>(depth)]);
    }
    logs.push_back(std::move(x));
  }
  // Depth j is measured when the oracle's backward moment at h_{D−j} lies within the storage
  // format's range (measurable_moments; the forward pass does, see gradient_not_applicable).
  std::vector<bool> measurable;
  if (ctx.trajectory) {
    const std::vector<bool> bwd = measurable_moments(
        predicted_backward_moments(*ctx.trajectory, ctx.config), ctx.config.precision);
    measurable.assign(static_cast<std::size_t>(depth) + 1, true);
    for (int j = 1; j <= depth; ++j) {
      measurable[static_cast<std::size_t>(j)] = bwd[static_cast<std::size_t>(depth - j)];
    }
  }
  const SeriesCheck s =
      check_log_series(logs, std::vector<double>(static_cast<std::size_t>(depth) + 1, 0.0),
                       result.band, ctx.alpha, a_priori_dead_bound(ctx), measurable);
  if (!record_measured_depths(result, s)) return result;
  result.ci = s.ci;
  // Report the layer whose input gradient is h_{D−j}: layer D−j+1 (1-based).
  result.layer = s.depth > 0 ? depth - s.depth + 1 : -1;
  result.first_layer = s.first_violated > 0 ? depth - s.first_violated + 1 : -1;
  if (ctx.trajectory && ctx.trajectory->backward_predicted && s.depth > 0) {
    const std::vector<double> p = predicted_backward_moments(*ctx.trajectory, ctx.config);
    result.predicted =
        p[static_cast<std::size_t>(depth - s.depth)] / p[static_cast<std::size_t>(depth)];
  }
  finish(result);
  if (result.verdict == stats::Verdict::violated) {
    const double g = std::pow(result.measured, 1.0 / std::max(1, s.depth));
    std::string why;
    if (ctx.config.norm == model::Norm::batchnorm) {
      why = "×" + short_number(g) +
            " per layer: BatchNorm at init makes gradients grow with depth (≈π/(π−1) per ReLU "
            "layer, Yang et "
            "al. 2019): expected; shorten the stack or add residual connections";
    } else if (!ctx.config.skip) {
      why = "×" + short_number(g) +
            " per block through a transformer without residual connections; add them "
            "(--residual yes)";
    } else {
      bool changing_width = false;
      for (std::size_t i = 1; i < ctx.config.widths.size(); ++i) {
        changing_width = changing_width || ctx.config.widths[i] != ctx.config.widths[i - 1];
      }
      if (changing_width && std::isfinite(result.predicted) &&
          std::abs(std::log(result.predicted / result.measured)) < std::log(k2)) {
        why = "×" + short_number(g) +
              " per layer: the widths change: a fan_in scheme scales per-unit gradients by the "
              "width ratio "
              "(predicted ×" +
              short_number(result.predicted) +
              "); use mode=fan_out to preserve gradients (forward and backward cannot both be "
              "preserved on non-square layers)";
      } else if (ctx.config.norm_placement == model::NormPlacement::pre && result.measured > 1.0) {
        why = additive_growth_advice(ctx.config, result.measured, s.depth, "gradient");
      } else if (ctx.config.norm_placement == model::NormPlacement::post && result.measured > 1.0 &&
                 ctx.trajectory && !ctx.trajectory->blocks.empty()) {
        // The branch reads the normalized stream: its forward gain is the same in every block.
        const theory::BlockPrediction& b = ctx.trajectory->blocks.front();
        why = post_norm_gradient_advice(ctx.config, result.measured, s.depth,
                                        b.branch_second_moment / b.branch_input_second_moment);
      }
      if (why.empty()) why = gain_advice(ctx.config, g);
    }
    result.advice = "gradient: " + why;
  }
  return result;
}

}  // namespace

extern constinit const ClaimDescriptor kGradientClaim{
    .id = ClaimId::gradient,
    .name = "gradient",
    .quote = "We can get into the actual gradients as well",
    .measure = "per-layer backward gain of the gradient second moment with CI",
    .method =
        "The mean-field backward gain E[(∂L/∂h_l)²]/E[r²] at every depth, with the same "
        "log-mean intervals as variance. fan_out scaling preserves it; fan_in scaling changes "
        "it by the width ratio Π n_in/n_out (He et al. 2015).",
    .needs_backward = true,
    .not_applicable = gradient_not_applicable,
    .check = check_gradient};

}  // namespace initcheck::claims::detail
