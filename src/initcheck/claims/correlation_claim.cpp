/// `correlation`: "You can lose information" — two different inputs keep different
/// representations through depth: the mean cosine similarity of input pairs stays below 1 − η at
/// the network output (no collapse of all inputs onto one direction).
///
/// Estimand (pre-declared): pairs of inputs with cosine c₀ = kPairInputCorrelation
/// (x′ = c₀·x + √(1−c₀²)·ξ, detail/pair_runs.hpp) run through the R independent networks of the
/// look (a forward pass of a pair batch on each network's weights); per network s_r = the mean over
/// its pairs of cos(v, v′) at the output of the last depth unit (layer output h_L, or the last
/// residual stream); μ = E[s_r]. Pairs share a network, so the network is the unit of replication:
/// a Student t interval over the R values of s_r (exact for normal s_r, else by the CLT: each s_r
/// is an average over 16 pairs, bounded in [−1, 1]) at the equivalence level 1 − 2α, clipped to
/// [−1, 1], against the band [−1, 1 − η]: violated when the whole interval lies above 1 − η
/// (collapse), holds when below. Prediction: the mean-field c-map (theory/pair_correlation.hpp);
/// LayerCurves carry the measured and predicted trajectories.
///
/// Transformers: the pairs are the tokens of one sequence (no pair batch): s_r = the mean over
/// the network's sequences of the mean over token pairs i < j of cos(x_i, x_j) at the last
/// block's output (engine::Trace::pair_cosine, recorded in the ordinary forward pass; the iid
/// input tokens have cosine ≈ 0); the same interval and band. No oracle: the verdict reads the
/// measured trajectory only.

#include <algorithm>
#include <cmath>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/pair_runs.hpp"

namespace initcheck::claims::detail {

model::NetworkConfig pair_config(const model::NetworkConfig& config) {
  model::NetworkConfig pairs = config;
  if (config.norm != model::Norm::batchnorm) {
    pairs.batch = std::clamp<std::int64_t>(config.batch, 2, kPairBatch);
  }
  return pairs;
}

engine::TraceOptions pair_trace_options() {
  engine::TraceOptions options;
  options.backward = false;
  options.per_sample_norms = false;
  options.gram = false;
  options.dominance_units = 0;
  options.pair_cosines = true;
  options.pair_input_correlation = kPairInputCorrelation;
  return options;
}

namespace {

std::string correlation_not_applicable(const model::NetworkConfig& config) {
  if (config.norm == model::Norm::batchnorm && config.batch < 2) {
    return "a BatchNorm network with batch 1 cannot hold a pair of inputs (use --batch >= 2)";
  }
  if (config.arch == model::Architecture::transformer && config.tokens < 2) {
    return "a sequence of one token has no token pairs (use --tokens >= 2)";
  }
  return {};
}

bool is_transformer(const model::NetworkConfig& config) {
  return config.arch == model::Architecture::transformer;
}

std::string correlation_estimand(const ClaimContext& ctx) {
  const std::string networks = " (" + std::to_string(ctx.pair_traces.size()) + " networks)";
  if (is_transformer(ctx.config)) {
    return "mean cosine between the tokens of a sequence at the last block's output" + networks +
           "; measured trajectory; no oracle";
  }
  return "mean cosine of input pairs (cosine " + short_number(kPairInputCorrelation) +
         " at the input) at the output" + networks;
}

std::string collapse_advice(const ClaimContext& ctx, double measured) {
  if (is_transformer(ctx.config)) {
    std::string fix;
    if (!ctx.config.skip) fix = "add residual connections (--residual yes)";
    if (ctx.config.norm_placement == model::NormPlacement::post) {
      fix += (fix.empty() ? "" : " and ") + std::string("use pre-LN (--norm-placement pre)");
    }
    if (fix.empty()) fix = "scale the branches down (--branch-scale, e.g. 1/sqrt(2*depth))";
    return "the tokens of a sequence reach mean cosine " + short_number(measured) +
           " at the last block's output (rank collapse: every token becomes nearly the same "
           "vector); " +
           fix;
  }
  return "inputs with cosine " + short_number(kPairInputCorrelation) + " reach cosine " +
         short_number(measured) +
         " at the output (rank collapse: the network maps different inputs to nearly the same "
         "vector); move the init toward the edge of chaos (larger weight variance, smaller bias "
         "variance) or add residual connections";
}

ClaimResult check_correlation(const ClaimContext& ctx) {
  const double eta = ctx.options.correlation_eta;
  const int depth = depth_units(ctx.config);
  const auto last = static_cast<std::size_t>(depth);
  ClaimResult result =
      make_result(ClaimId::correlation, correlation_estimand(ctx), {-1.0, 1.0 - eta});
  result.layer = depth;
  std::vector<double> output;
  std::vector<double> mean(last + 1, 0.0);
  for (const engine::Trace& t : ctx.pair_traces) {
    if (t.pair_cosine.size() != last + 1) continue;
    output.push_back(t.pair_cosine[last]);
    for (std::size_t d = 0; d <= last; ++d) mean[d] += t.pair_cosine[d];
  }
  if (ctx.pair_prediction != nullptr && ctx.pair_prediction->cosine.size() == last + 1) {
    result.predicted = ctx.pair_prediction->cosine[last];
  }
  if (output.size() < 2) {
    result.verdict = stats::Verdict::inconclusive;
    result.advice = "pair cosines were not recorded";
    return result;
  }
  for (std::size_t d = 1; d <= last && result.first_layer < 0; ++d) {
    if (mean[d] / static_cast<double>(output.size()) > 1.0 - eta) {
      result.first_layer = static_cast<int>(d);
    }
  }
  result.ci = replicate_mean_interval(output, equivalence_level(ctx.alpha));
  result.ci.lower = std::max(result.ci.lower, -1.0);  // a cosine: the clip keeps the coverage
  result.ci.upper = std::min(result.ci.upper, 1.0);
  finish(result);
  if (result.verdict == stats::Verdict::violated) {
    result.advice = collapse_advice(ctx, result.measured);
  }
  return result;
}

}  // namespace

extern constinit const ClaimDescriptor kCorrelationClaim{
    .id = ClaimId::correlation,
    .name = "correlation",
    .quote = "You can lose information",
    .measure =
        "mean cosine of two inputs' representations (cosine 0.5 at the input; transformer: of "
        "a sequence's tokens) below 1 − η at the output, vs the mean-field c-map",
    .method =
        "Every network also runs a batch of input pairs with cosine 0.5; per network the mean "
        "cosine of the pairs' output representations is one observation, and a Student t "
        "interval over networks must lie below 1 − η (violated, rank collapse, when it lies "
        "above). The measured trajectory is compared with the mean-field c-map where it applies "
        "(no normalization, zero-mean weights). Transformers: the pairs are the tokens of each "
        "sequence (mean token cosine at the last block's output; no c-map).",
    .threshold = {"η", &CheckOptions::correlation_eta},
    .needs_pair_networks = true,
    .not_applicable = correlation_not_applicable,
    .check = check_correlation};

}  // namespace initcheck::claims::detail
