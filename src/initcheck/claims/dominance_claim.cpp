/// `dominance`: "you lose the property of 1 weight not contributing too much" — with normalized
/// inputs no single input term dominates a first-layer unit's pre-activation second moment:
/// participation ratio PR_i = (Σ_j v_ij)²/Σ_j v_ij² ≥ fan_in/4 (v_ij = w_ij²E_b[h_jb²]).
/// Unnormalized feature scales violate it.
///
/// Test: the engine records PR for a few first-layer units per network; units are iid given the
/// input. Per replicate x_r = mean over those units of PR_i/fan_in (iid over r, in (0, 1]);
/// Student t interval at level 1 − α for E[x]; band [1/4, ∞). Prediction: for iid inputs with
/// scales s_j, PR/fan_in → (E s²)²/(κ_w·E s⁴) (κ_w the weight kurtosis).

#include <cmath>
#include <limits>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims::detail {

namespace {

ClaimResult check_dominance(const ClaimContext& ctx) {
  ClaimResult result = make_result(ClaimId::dominance,
                                   "participation ratio / fan_in of first-layer units (" +
                                       std::to_string(ctx.traces.size()) + " networks)",
                                   {0.25, std::numeric_limits<double>::infinity()});
  std::vector<double> x;
  for (const engine::Trace& t : ctx.traces) {
    const engine::LayerTrace& l = t.layers.front();
    if (l.participation_ratio.empty()) continue;
    double s = 0.0;
    for (double pr : l.participation_ratio) s += pr;
    x.push_back(s / static_cast<double>(l.participation_ratio.size()) /
                static_cast<double>(l.fan_in));
  }
  result.layer = 1;
  result.ci = replicate_mean_interval(x, 1.0 - ctx.alpha);
  const init::WeightLaw law = ctx.config.init->weight_law(model::layer_fan(ctx.config, 0));
  double scale_ratio = 1.0;  // (E s²)²/E s⁴
  if (ctx.config.input == model::InputKind::unnormalized) {
    const double r = ctx.config.input_scale_range;
    const double lr = std::log(r);
    const double e2 = (r * r - 1.0 / (r * r)) / (4.0 * lr);
    const double e4 = (std::pow(r, 4) - std::pow(r, -4)) / (8.0 * lr);
    scale_ratio = e2 * e2 / e4;
  }
  if (law.kurtosis > 0.0 && law.independent_entries) result.predicted = scale_ratio / law.kurtosis;
  if (x.size() < 2) {
    result.verdict = stats::Verdict::inconclusive;
    result.advice = "participation ratios were not recorded";
    return result;
  }
  finish(result);
  if (result.verdict == stats::Verdict::violated) {
    const std::string pr = "(PR ≈ " + short_number(result.measured) + "·fan_in)";
    const bool raw_inputs = ctx.config.input == model::InputKind::unnormalized ||
                            ctx.config.input == model::InputKind::dataset_unnormalized;
    if (raw_inputs) {
      result.advice = "a few input features dominate each first-layer unit " + pr +
                      ": normalize every input feature by the dataset mean and std";
    } else if (!law.mean_field) {
      result.advice = "the inputs are normalized; the fixed matrix of " + ctx.config.init->name() +
                      " connects each first-layer unit to few inputs by construction " + pr +
                      ": expected for identity (ZerO-style) inits, which leave mixing to training";
    } else {
      result.advice =
          "the inputs are normalized, so the weights concentrate each first-layer "
          "unit on a few inputs " +
          pr + ": use a dense, light-tailed weight law (normal or uniform)";
    }
  }
  return result;
}

}  // namespace

extern constinit const ClaimDescriptor kDominanceClaim{
    .id = ClaimId::dominance,
    .name = "dominance",
    .quote = "you lose the property of 1 weight not contributing too much",
    .measure = "participation ratio of a unit's input contributions ≥ n/4",
    .method =
        "For first-layer units the variance contributions of the inputs are summarized by their "
        "participation ratio (Σc)²/Σc² (n when all contribute equally, 1 when one dominates); "
        "the claim holds when it is at least n/4. Unnormalized inputs with very different "
        "feature scales are expected to violate it.",
    .check = check_dominance};

}  // namespace initcheck::claims::detail
