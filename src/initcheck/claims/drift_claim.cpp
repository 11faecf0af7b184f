/// `drift`: "These do not hold over many layers, as these are randomly sampled and small
/// variations cause this to break" — for ONE random network and one input,
/// P(std_L/std_0 ∉ [1/K, K]) ≤ δ, with std_l the RMS of that input's activations at layer l
/// (std_L/std_0 = √(M_L/M_0), M_l = ‖h_l‖²/(entries of h_l); Hanin & Rolnick's quantity).
///
/// Each network contributes one Bernoulli trial (its first input: the other inputs of a batch
/// share its weights, so they are not independent trials). Two paths:
///
/// Exact norm chain (detail/norm_chain.hpp: Gaussian-weight MLPs with relu / leaky_relu /
/// linear, no bias, no norm, fp32). The chain samples log(M_L/M_0) of one network exactly in
/// O(L), so the proportion is decided by Clopper–Pearson alone, with no distributional model:
/// stages of 4,000, 16,000, 64,000, 256,000 and 1,024,000 networks (the same networks growing:
/// network i is a pure function of (seed, i)), stopping at the first stage whose interval
/// decides. Each look spends α/(number of looks) — the looks are declared before any data —
/// with its two ends α/(2·looks) each: holds when the upper end ≤ δ, violated when the lower
/// end > δ. By Bonferroni over the looks, P(some look wrongly decides) ≤ α, so stopping at the
/// first decided look keeps the claim's level (whatever the dependence between the looks).
///
/// Engine networks otherwise. Violated when the exact Clopper–Pearson lower bound (α/2) exceeds
/// δ; holds when an upper bound ≤ δ — the smaller of the Clopper–Pearson upper bound (α/2) and
/// a normal-model bound (α/2): log(M_L/M_0) is a sum of L independent per-layer log gains, so
/// it is modelled as N(μ, s²) with (μ, s) in a t × χ² confidence box (drift_test). The result
/// text says when that parametric bound sets the upper end.
///
/// Prediction (both paths): Hanin & Rolnick's log-normal drift probability
/// (theory::drift_probability) for homogeneous MLPs.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/norm_chain.hpp"
#include "initcheck/rng/engine.hpp"
#include "initcheck/stats/proportion_interval.hpp"

namespace initcheck::claims::detail {
namespace {

/// Salt of the norm chain's seed (an arbitrary constant: "nchain" in ASCII; the engine drift
/// networks use "drift", check.cpp).
constexpr std::uint64_t kNormChainSeedSalt = 0x6E636861696EULL;

/// Cumulative network counts at the chain's looks (4× apart: each look can resolve a failure
/// rate about half as far from δ as the previous one). CheckOptions::drift_replicates > 0 caps
/// them (looks beyond it dropped, the cap itself the last look).
constexpr std::array<std::size_t, 5> kChainLooks = {4'000, 16'000, 64'000, 256'000, 1'024'000};

std::vector<std::size_t> chain_looks(const CheckOptions& options) {
  std::vector<std::size_t> looks;
  const auto cap = options.drift_replicates > 0 ? static_cast<std::size_t>(options.drift_replicates)
                                                : kChainLooks.back();
  for (const std::size_t n : kChainLooks) {
    if (n < cap) looks.push_back(n);
  }
  looks.push_back(cap);
  return looks;
}

std::string drift_advice(std::size_t failures, std::size_t trials, double mean_log_ratio,
                         double tolerance) {
  const bool systematic = !(std::abs(mean_log_ratio) <= std::log(tolerance));
  return std::to_string(failures) + " of " + std::to_string(trials) + " networks leave [1/K, K]: " +
         (systematic ? std::string("the typical network itself leaves the band (see "
                                   "`variance`): fix the gain first")
                     : std::string("finite-width fluctuations grow like Σ5/n_l "
                                   "(Hanin–Rolnick); use wider or fewer layers, or "
                                   "normalization"));
}

void set_prediction(const ClaimContext& ctx, ClaimResult& result) {
  if (ctx.finite_width) {
    result.predicted = theory::drift_probability(
        ctx.finite_width->log_variance, ctx.finite_width->mean_gain, ctx.options.tolerance);
  }
}

/// The exact-chain path (see the file comment).
ClaimResult check_drift_chain(const ClaimContext& ctx) {
  const double delta = ctx.options.drift_delta;
  const double c = std::log(ctx.options.tolerance);
  const NormChain chain = make_norm_chain(ctx.config);
  const std::uint64_t seed = rng::splitmix64(ctx.options.seed ^ kNormChainSeedSalt);
  const std::vector<std::size_t> looks = chain_looks(ctx.options);
  const double level = 1.0 - ctx.alpha / static_cast<double>(looks.size());

  std::vector<double> x;
  std::size_t failures = 0;
  double sum = 0.0;  // of the finite x, for the advice
  stats::ConfidenceInterval ci;
  for (const std::size_t n : looks) {
    const std::size_t have = x.size();
    x.resize(n);
    sample_norm_chain(chain, seed, have, std::span<double>(x).subspan(have), ctx.options.threads);
    for (std::size_t i = have; i < n; ++i) {
      if (!std::isfinite(x[i]) || std::abs(x[i]) > c) ++failures;
      if (std::isfinite(x[i])) sum += x[i];
    }
    ci = stats::clopper_pearson_interval(failures, n, level);
    if (ci.upper <= delta || ci.lower > delta) break;
  }
  ClaimResult result = make_result(ClaimId::drift,
                                   "P(one network's std_L/std_0 ∉ [1/K, K]) for one input, exact "
                                   "norm chain (Gaussian weights), " +
                                       std::to_string(x.size()) + " networks, Clopper–Pearson",
                                   {0.0, delta});
  result.ci = ci;
  result.layer = ctx.config.depth();
  set_prediction(ctx, result);
  finish(result);
  if (result.verdict == stats::Verdict::violated) {
    result.advice = drift_advice(failures, x.size(), sum / static_cast<double>(x.size()),
                                 ctx.options.tolerance);
  }
  return result;
}

}  // namespace

double per_input_log_std_ratio(const engine::Trace& t, const model::NetworkConfig& config) {
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

namespace {

ClaimResult check_drift(const ClaimContext& ctx) {
  if (norm_chain_applies(ctx.config)) return check_drift_chain(ctx);
  const double delta = ctx.options.drift_delta;
  std::vector<double> x;
  x.reserve(ctx.drift_traces.size());
  for (const engine::Trace& t : ctx.drift_traces) {
    x.push_back(per_input_log_std_ratio(t, ctx.config));
  }
  const DriftTest test = drift_test(x, ctx.options.tolerance, ctx.alpha);
  // drift_test's upper end is the smaller of Clopper–Pearson and the normal-model bound: say
  // when the parametric one is it.
  const bool parametric_upper =
      test.trials > 0 &&
      test.ci.upper <
          stats::clopper_pearson_interval(test.failures, test.trials, 1.0 - ctx.alpha / 2.0).upper;
  ClaimResult result = make_result(
      ClaimId::drift,
      "P(one network's std_L/std_0 ∉ [1/K, K]) for one input, over " +
          std::to_string(ctx.drift_traces.size()) + " networks" +
          (parametric_upper ? std::string(", upper end from a parametric normal model of "
                                          "log(M_L/M_0) (Clopper–Pearson alone is wider)")
                            : std::string(", Clopper–Pearson")),
      {0.0, delta});
  result.ci = test.ci;
  result.layer = ctx.config.depth();
  set_prediction(ctx, result);
  finish(result);
  if (result.verdict == stats::Verdict::violated) {
    double mean = 0.0;
    for (double v : x) mean += v / static_cast<double>(x.size());
    result.advice = drift_advice(test.failures, test.trials, mean, ctx.options.tolerance);
  }
  return result;
}

}  // namespace

extern constinit const ClaimDescriptor kDriftClaim{
    .id = ClaimId::drift,
    .name = "drift",
    .quote =
        "These do not hold over many layers, as these are randomly sampled and small "
        "variations cause this to break",
    .measure = "P(one network's std_L/std_0 ∉ [1/K, K]) ≤ δ over replicates, vs Hanin–Rolnick",
    .method =
        "For one random network and one input, P(std_L/std_0 ∉ [1/K, K]) must stay ≤ δ. "
        "Gaussian relu/leaky/linear MLPs use the exact O(L) norm chain (up to 10⁶ networks, "
        "Clopper–Pearson alone); other configurations count engine networks. The prediction is "
        "Hanin & Rolnick's (2018) finite-width theory.",
    .threshold = {"δ", &CheckOptions::drift_delta},
    .needs_drift_networks = true,
    .check = check_drift};

}  // namespace initcheck::claims::detail
