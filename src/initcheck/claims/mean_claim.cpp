/// `mean`: "Mean 0 is mostly there for 0x0=0 and 0+0=0" — with zero-mean weights the
/// pre-activation mean stays ≈ 0 (|E z| ≤ 0.1·std z) at every layer, although ReLU outputs have
/// a positive mean.
///
/// Test: given the layer input H, the row means μ_i = w_i·h̄ + b_i are iid across output units
/// i, so the layer's mean m = (1/C)Σμ_i has conditional variance s²/C with
/// s² = C/(C−1)·((1/C)Σμ_i² − m²) (TensorStats::channel_sq_mean). Averaging R replicates gives
/// an estimate with variance Σ_r s_r²/C_r / R² — a sum of R·C independent terms, so a normal
/// interval (CLT) at the equivalence level 1 − 2α/D per layer (TOST: each verdict errs on one
/// side only); divided by the layer's RMS std.

#include <cmath>
#include <limits>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/stats/quantiles.hpp"

namespace initcheck::claims::detail {

namespace {

ClaimResult check_mean(const ClaimContext& ctx) {
  constexpr double kBound = 0.1;
  ClaimResult result =
      make_result(ClaimId::mean,
                  "pre-activation mean / std (rows of " + std::to_string(ctx.traces.size()) +
                      " networks), worst layer",
                  {-kBound, kBound});
  const std::size_t layers = ctx.traces.empty() ? 0 : ctx.traces.front().layers.size();
  const double alpha_l = ctx.alpha / static_cast<double>(std::max<std::size_t>(layers, 1));
  const double z = stats::normal_quantile(1.0 - alpha_l);
  const auto r = static_cast<double>(ctx.traces.size());
  stats::Verdict verdict = stats::Verdict::holds;
  int worst = -1;
  int first = -1;
  double worst_margin = std::numeric_limits<double>::infinity();
  stats::Verdict worst_verdict = stats::Verdict::holds;
  stats::ConfidenceInterval worst_ci;
  // Layers whose predicted pre-activation second moment lies outside the storage format's range
  // are skipped (an overflowed or flushed layer has no defined mean/std; fixed by the oracle).
  std::vector<bool> measurable(layers, true);
  if (ctx.trajectory) {
    std::vector<double> q;
    for (const theory::LayerPrediction& p : ctx.trajectory->layers)
      q.push_back(p.pre_second_moment);
    measurable = measurable_moments(q, ctx.config.precision);
  }
  int skipped = 0;
  for (std::size_t l = 0; l < layers; ++l) {
    if (l < measurable.size() && !measurable[l]) {
      ++skipped;
      continue;
    }
    double mean = 0.0;
    double var_of_mean = 0.0;
    double variance = 0.0;
    bool ok = true;
    for (const engine::Trace& t : ctx.traces) {
      const engine::TensorStats& s = t.layers[l].pre;
      const auto c = static_cast<double>(s.rows);
      if (s.rows < 2) ok = false;
      mean += s.mean;
      const double between =
          std::max(0.0, s.channel_sq_mean - s.mean * s.mean) * c / std::max(c - 1.0, 1.0);
      var_of_mean += between / c;
      variance += s.variance;
    }
    mean /= r;
    var_of_mean /= r * r;
    variance /= r;
    const double std_z = std::sqrt(variance);
    stats::ConfidenceInterval ci;
    ci.level = equivalence_level(alpha_l);
    ci.n = static_cast<std::size_t>(r);
    const double half = z * std::sqrt(var_of_mean);
    if (!ok || !(std_z > 0.0) || !std::isfinite(mean) || !std::isfinite(half)) {
      ci.lower = -std::numeric_limits<double>::infinity();
      ci.upper = std::numeric_limits<double>::infinity();
      ci.estimate = std_z > 0.0 ? mean / std_z : 0.0;
      if (std::isnan(ci.estimate)) ci.estimate = 0.0;
    } else {
      ci.lower = (mean - half) / std_z;
      ci.upper = (mean + half) / std_z;
      ci.estimate = mean / std_z;
    }
    const stats::Verdict v = safe_decide(ci, result.band);
    verdict = stats::combine(verdict, v);
    if (v == stats::Verdict::violated && first < 0) first = static_cast<int>(l) + 1;
    const double margin = std::min(ci.lower + kBound, kBound - ci.upper);
    if (worst < 0 || reports_before(v, margin, worst_verdict, worst_margin)) {
      worst_margin = margin;
      worst_verdict = v;
      worst = static_cast<int>(l) + 1;
      worst_ci = ci;
    }
  }
  if (skipped > 0) {
    result.quantity += "; " + std::to_string(skipped) +
                       " layers skipped (predicted second moment outside the storage format's "
                       "range)";
  }
  if (worst < 0) {
    result.ci = {-std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
                 0.0, 1.0 - alpha_l, 0};
    result.verdict = stats::Verdict::inconclusive;
    result.advice = "no layer's scale lies within the storage format's range";
    return result;
  }
  result.ci = worst_ci;
  result.layer = worst;
  result.first_layer = first;
  if (ctx.trajectory && worst > 0) {
    const theory::LayerPrediction& p = ctx.trajectory->layers[static_cast<std::size_t>(worst - 1)];
    const double var = p.pre_second_moment - p.pre_mean * p.pre_mean;
    result.predicted = var > 0.0 ? p.pre_mean / std::sqrt(var) : std::nan("");
  }
  finish(result);
  result.verdict = stats::combine(result.verdict, verdict);
  if (result.verdict == stats::Verdict::violated) {
    const std::string where = "pre-activations have mean " + short_number(result.measured) +
                              "·std at layer " + std::to_string(worst);
    const bool fixed_matrix =
        worst > 0 &&
        !ctx.config.init->weight_law(model::layer_fan(ctx.config, worst - 1)).mean_field;
    result.advice =
        fixed_matrix
            ? where + ": the fixed matrix of " + ctx.config.init->name() +
                  " passes each unit's activation mean through unmixed (no zero-mean sum of "
                  "random weights cancels it): expected for identity (ZerO-style) inits"
            : where +
                  ": use zero-mean weights (the positive mean of ReLU outputs only cancels "
                  "when E[W] = 0) and zero or zero-mean biases";
  }
  return result;
}

}  // namespace

extern constinit const ClaimDescriptor kMeanClaim{
    .id = ClaimId::mean,
    .name = "mean",
    .quote = "Mean 0 is mostly there for 0x0=0 and 0+0=0",
    .measure = "per-layer pre-activation mean within ±0.1·std",
    .method =
        "The pre-activation mean over std at every layer, from row means that are independent "
        "given the layer input; the claim holds when |mean| ≤ 0.1·std with the interval "
        "accounted for, even though ReLU outputs have a positive mean.",
    .check = check_mean};

}  // namespace initcheck::claims::detail
