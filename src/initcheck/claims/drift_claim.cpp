/// `drift`: "These do not hold over many layers, as these are randomly sampled and small
/// variations cause this to break" — for ONE random network and one input,
/// P(std_L/std_0 ∉ [1/K, K]) ≤ δ, with std_l the RMS of that input's activations at layer l
/// (std_L/std_0 = √(M_L/M_0), M_l = ‖h_l‖²/(entries of h_l); Hanin & Rolnick's quantity).
///
/// Test: each network contributes one Bernoulli trial, from its first input (the other inputs
/// of the batch share its weights, so they are not independent trials). Violated when the exact
/// Clopper–Pearson lower bound (α/2) exceeds δ; holds when an upper bound ≤ δ — the smaller of
/// the Clopper–Pearson upper bound (α/2) and a normal-model bound (α/2): log(M_L/M_0) is a sum
/// of L independent per-layer log gains, so it is modelled as N(μ, s²) with (μ, s) in a t × χ²
/// confidence box (drift_test). Prediction: Hanin & Rolnick's log-normal drift probability
/// (theory::drift_probability) for homogeneous MLPs.

#include <cmath>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"

namespace initcheck::claims::detail {

double per_input_log_std_ratio(const engine::Trace& t, const engine::NetworkConfig& config) {
  if (!t.input_sq_norms.empty() && !t.output_sq_norms.empty()) {
    const auto batch = static_cast<double>(t.input_sq_norms.size());
    const double in_entries = static_cast<double>(t.input.count) / batch;
    const double out_entries = static_cast<double>(t.output.count) / batch;
    return 0.5 * (std::log(t.output_sq_norms[0] / out_entries) -
                  std::log(t.input_sq_norms[0] / in_entries));
  }
  const std::vector<double> m = forward_moments(t, config);  // fallback: the batch RMS
  return 0.5 * (std::log(m.back()) - std::log(m.front()));
}

std::string drift_not_applicable(const engine::NetworkConfig& /*config*/) {
  return {};
}

ClaimResult check_drift(const ClaimContext& ctx) {
  const double delta = ctx.options.drift_delta;
  ClaimResult result = make_result(ClaimId::drift,
                                   "P(one network's std_L/std_0 ∉ [1/K, K]) for one input, over " +
                                       std::to_string(ctx.drift_traces.size()) + " networks",
                                   {0.0, delta});
  std::vector<double> x;
  x.reserve(ctx.drift_traces.size());
  for (const engine::Trace& t : ctx.drift_traces) {
    x.push_back(per_input_log_std_ratio(t, ctx.config));
  }
  const DriftTest test = drift_test(x, ctx.options.tolerance, ctx.alpha);
  result.ci = test.ci;
  result.layer = ctx.config.depth();
  if (ctx.finite_width) {
    result.predicted = theory::drift_probability(
        ctx.finite_width->log_variance, ctx.finite_width->mean_gain, ctx.options.tolerance);
  }
  finish(result);
  if (result.verdict == stats::Verdict::violated) {
    double mean = 0.0;
    for (double v : x) mean += v / static_cast<double>(x.size());
    const bool systematic = !(std::abs(mean) <= std::log(ctx.options.tolerance));
    result.advice = std::to_string(test.failures) + " of " + std::to_string(test.trials) +
                    " networks leave [1/K, K]: " +
                    (systematic ? std::string("the typical network itself leaves the band (see "
                                              "`variance`): fix the gain first")
                                : std::string("finite-width fluctuations grow like Σ5/n_l "
                                              "(Hanin–Rolnick); use wider or fewer layers, or "
                                              "normalization"));
  }
  return result;
}

}  // namespace initcheck::claims::detail
