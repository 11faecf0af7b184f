// check_configuration: engine replicates → theory oracle → one test per applicable claim.
//
// Error budget (docs/statistics.md). A configuration's family level α (CheckOptions::alpha, 1e-6
// for `initcheck check`) is split equally over the applicable claims that spend error (all but
// `batchnorm`) and the pre-declared sequential looks (R, 2R, 4R within the network cap and the
// nominal budget); inside a claim over its depths (weighted toward the deepest, depth_alpha) or
// sub-tests, with two-sided intervals at the equivalence level 1 − 2α′. So a configuration on
// which every claim is true is reported "violated" with probability ≤ α whatever the dependence.
// The suite-level budget of a ctest run is tabulated once, in docs/statistics.md ("Error budget of
// a test run").

#include "initcheck/claims/check.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <iterator>
#include <span>
#include <string>
#include <thread>
#include <utility>

#include "initcheck/claims/claim_registry.hpp"
#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/pair_runs.hpp"
#include "initcheck/claims/detail/sample_plan.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/engine/memory_estimate.hpp"
#include "initcheck/engine/replicates.hpp"
#include "initcheck/model/weight_files.hpp"
#include "initcheck/rng/engine.hpp"
#include "initcheck/stats/quantiles.hpp"

namespace initcheck::claims {
namespace {
/// Salt of the extra drift networks' seed (an arbitrary constant: "drift" in ASCII).
constexpr std::uint64_t kDriftSeedSalt = 0x6472696674ULL;

/// Throws InputError when the run cannot fit in `limit` bytes: one network per worker thread
/// (two with `correlation`'s pair runs, `pair_network` bytes for the second) plus `replicates`
/// traces (kept twice when `drift` reads them too), and the drift-only networks' traces.
void check_memory(const model::NetworkConfig& config, const engine::TraceOptions& trace_options,
                  int replicates, bool drift, const model::NetworkConfig& drift_config,
                  int drift_extra, int threads, double pair_network, double limit) {
  if (limit <= 0.0) return;
  const engine::MemoryEstimate main = engine::estimate_memory(config, trace_options);
  engine::TraceOptions drift_options = trace_options;
  drift_options.backward = false;
  drift_options.dominance_units = 0;
  const engine::MemoryEstimate extra = engine::estimate_memory(drift_config, drift_options);
  const int workers = std::clamp(threads, 1, std::max(replicates, 1));
  const double need = workers * (main.network + pair_network) +
                      (drift ? 2 : 1) * replicates * main.trace + drift_extra * extra.trace;
  if (need <= limit) return;
  throw InputError(
      "configuration too large: it needs an estimated " + engine::format_bytes(need) +
      " of memory (" + std::to_string(workers) + (workers == 1 ? " network of " : " networks of ") +
      engine::format_bytes(main.network) + (workers == 1 ? "" : " each") +
      ": weights, activations, gradients, buffers; " +
      (pair_network > 0.0
           ? "as many pair-run networks of " + engine::format_bytes(pair_network) + "; "
           : std::string()) +
      std::to_string(replicates) + " traces), more than the limit of " +
      engine::format_bytes(limit) + " (--max-memory; default: the machine's available memory)");
}

/// "42 s", "17 min", "3.2 h" (three significant digits are plenty for an estimate).
std::string format_seconds(double seconds) {
  const auto [value, unit] = seconds < 120.0    ? std::pair{seconds, " s"}
                             : seconds < 7200.0 ? std::pair{seconds / 60.0, " min"}
                                                : std::pair{seconds / 3600.0, " h"};
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%.3g", value);
  return text.data() + std::string(unit);
}

/// Flop-equivalents a check may spend before it is refused, in multiples of --budget (at least
/// one nominal second): the smallest run (the first look and the drift networks) may exceed the
/// budget, which only bounds the later looks, but not by this much.
constexpr double kBudgetOverrun = 20.0;

/// Throws InputError when the smallest run would cost more than kBudgetOverrun × --budget
/// (`look_cost`: one look network, with its pair network when `correlation` is checked).
void check_compute(const detail::SamplePlan& plan, double look_cost, int first_look,
                   int drift_networks, double budget_seconds) {
  const double flops =
      first_look * look_cost + drift_networks * plan.cost_per_replicate_forward_batch1;
  const double seconds = flops / detail::kNominalFlopsPerSecond;
  const double allowed = kBudgetOverrun * std::max(budget_seconds, 1.0);
  if (seconds <= allowed) return;
  throw InputError(
      "configuration too slow: its smallest run (" + std::to_string(first_look) + " networks" +
      (drift_networks > 0 ? " + " + std::to_string(drift_networks) + " for drift" : std::string()) +
      ") needs about " + format_seconds(seconds) + " of compute at the nominal " +
      "rate, more than " + format_seconds(allowed) + " (20 x --budget); raise " +
      "--budget to run it");
}

}  // namespace
namespace detail {

std::size_t claims_spending_alpha(const std::vector<ClaimId>& ids) {
  return static_cast<std::size_t>(std::count_if(
      ids.begin(), ids.end(), [](ClaimId id) { return claim_descriptor(id).spends_alpha; }));
}

void add_networks_needed(ClaimResult& result, bool given_weights) {
  const stats::ConfidenceInterval& ci = result.ci;
  const bool ratio = result.band.lo > 0.0;
  auto u = [ratio](double x) { return ratio ? std::log(x) : x; };
  const double est = u(ci.estimate);
  const double half = std::max(est - u(ci.lower), u(ci.upper) - est);
  const double dist =
      std::min(std::abs(est - u(result.band.lo)), std::abs(u(result.band.hi) - est));
  if (ci.n == 0 || !std::isfinite(half) || !(dist > 0.0) || !std::isfinite(dist)) return;
  const double need = std::ceil(static_cast<double>(ci.n) * std::pow(half / dist, 2.0));
  if (!(need < 1e9)) return;
  if (!result.advice.empty()) result.advice += "; ";
  const std::string count = std::to_string(static_cast<long long>(need));
  result.advice += "undecided after " + std::to_string(ci.n) + " networks: about " + count +
                   (given_weights ? " weight files (seeds) would decide it"
                                  : " would decide it (--replicates, --max-networks, --budget)");
}

namespace {

double quantile_of(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

LayerCurves make_curves(const model::NetworkConfig& config, std::span<const engine::Trace> traces,
                        const std::optional<theory::PredictedTrajectory>& trajectory,
                        const std::optional<theory::FiniteWidthPrediction>& finite_width,
                        bool backward) {
  LayerCurves c;
  const auto n = static_cast<std::size_t>(config.depth()) + 1;
  const auto r = static_cast<double>(traces.size());
  c.forward_std.assign(n, 0.0);
  c.gradient_std.assign(n, 0.0);
  c.flushed_fraction.assign(n, 0.0);
  c.subnormal_fraction.assign(n, 0.0);
  c.overflow_fraction.assign(n, 0.0);
  c.drift_lower.assign(n, 0.0);
  c.drift_upper.assign(n, 0.0);
  std::vector<std::vector<double>> ratios(n);
  for (const engine::Trace& t : traces) {
    const std::vector<double> m = forward_moments(t, config);
    for (std::size_t l = 0; l < n; ++l) {
      c.forward_std[l] += m[l] / r;
      ratios[l].push_back(std::sqrt(m[l] / m[0]));
    }
    if (backward) {
      const std::vector<double> g = backward_moments(t, config);
      for (std::size_t l = 0; l < n; ++l) c.gradient_std[l] += g[l] / r;
    }
    if (!config.residual()) {
      for (std::size_t l = 1; l < n; ++l) {
        const engine::LayerTrace& lt = t.layers[l - 1];
        const precision::PrecisionEvents e = lt.pre_events + lt.norm_events + lt.post_events;
        if (e.total == 0) continue;
        const auto total = static_cast<double>(e.total);
        c.flushed_fraction[l] += static_cast<double>(e.flushed_to_zero) / total / r;
        c.subnormal_fraction[l] += static_cast<double>(e.subnormal) / total / r;
        c.overflow_fraction[l] += static_cast<double>(e.overflow) / total / r;
      }
    } else {
      for (std::size_t l = 1; l < n; ++l) {
        const precision::PrecisionEvents& e = t.blocks[l - 1].stream_events;
        if (e.total == 0) continue;
        const auto total = static_cast<double>(e.total);
        c.flushed_fraction[l] += static_cast<double>(e.flushed_to_zero) / total / r;
        c.subnormal_fraction[l] += static_cast<double>(e.subnormal) / total / r;
        c.overflow_fraction[l] += static_cast<double>(e.overflow) / total / r;
      }
    }
  }
  for (double& v : c.forward_std) v = std::sqrt(v);
  for (double& v : c.gradient_std) v = std::sqrt(v);
  if (!backward) c.gradient_std.clear();
  for (std::size_t l = 0; l < n; ++l) {
    c.drift_lower[l] = quantile_of(ratios[l], 0.05);
    c.drift_upper[l] = quantile_of(ratios[l], 0.95);
  }
  if (trajectory) {
    for (double m : predicted_forward_moments(*trajectory, config)) {
      c.predicted_forward_std.push_back(std::sqrt(m));
    }
    if (backward && trajectory->backward_predicted) {
      for (double g : predicted_backward_moments(*trajectory, config)) {
        c.predicted_gradient_std.push_back(std::sqrt(g));
      }
    }
    if (finite_width && finite_width->moment_ratio.size() + 1 == n) {
      const std::vector<double> p = predicted_forward_moments(*trajectory, config);
      const double z = stats::normal_quantile(0.95);
      c.predicted_drift_lower.assign(n, 1.0);
      c.predicted_drift_upper.assign(n, 1.0);
      for (std::size_t l = 1; l < n; ++l) {
        const double s2 = std::log(finite_width->moment_ratio[l - 1]);
        const double mu = std::log(p[l] / p[0]) - s2 / 2.0;
        c.predicted_drift_lower[l] = std::exp(0.5 * (mu - z * std::sqrt(s2)));
        c.predicted_drift_upper[l] = std::exp(0.5 * (mu + z * std::sqrt(s2)));
      }
    }
  }
  return c;
}

}  // namespace
}  // namespace detail

stats::Verdict overall_verdict(const std::vector<ClaimResult>& results) {
  stats::Verdict v = stats::Verdict::holds;
  for (const ClaimResult& r : results) {
    if (r.applicable) v = stats::combine(v, r.verdict);
  }
  return v;
}

void require_selected_claims_apply(const model::NetworkConfig& config,
                                   const CheckOptions& options) {
  for (ClaimId id : options.claims) {
    const std::string reason = claim_descriptor(id).not_applicable_reason(config);
    if (!reason.empty()) {
      throw InputError("claim '" + std::string(claim_name(id)) + "' does not apply: " + reason);
    }
  }
}

CheckResult check_configuration(const model::NetworkConfig& config, const CheckOptions& options) {
  config.validate();
  require_selected_claims_apply(config, options);
  const std::vector<ClaimId> selected =
      options.claims.empty() ? std::vector<ClaimId>(kAllClaims.begin(), kAllClaims.end())
                             : options.claims;
  CheckResult out;
  std::vector<ClaimId> to_check;
  for (ClaimId id : kAllClaims) {
    ClaimResult r;
    r.id = id;
    r.predicted = std::nan("");
    const bool wanted = std::find(selected.begin(), selected.end(), id) != selected.end();
    const std::string reason = claim_descriptor(id).not_applicable_reason(config);
    if (!wanted) {
      r.applicable = false;
      r.not_applicable_reason = "not selected (--claims)";
    } else if (!reason.empty()) {
      r.applicable = false;
      r.not_applicable_reason = reason;
    } else {
      to_check.push_back(id);
    }
    out.claims.push_back(std::move(r));
  }

  std::optional<theory::PredictedTrajectory> trajectory;
  try {
    trajectory = theory::predict_trajectory(config);
  } catch (const std::exception&) {
    trajectory.reset();
  }
  std::optional<theory::FiniteWidthPrediction> finite_width;
  try {
    finite_width = theory::predict_finite_width(config);
  } catch (const std::exception&) {
    finite_width.reset();
  }

  const auto any_claim = [&to_check](bool ClaimDescriptor::*needs) {
    return std::any_of(to_check.begin(), to_check.end(),
                       [needs](ClaimId id) { return claim_descriptor(id).*needs; });
  };
  const bool need_backward = any_claim(&ClaimDescriptor::needs_backward);
  const bool check_pairs = any_claim(&ClaimDescriptor::needs_pair_networks);
  // Transformers record token cosines in their ordinary forward pass: no pair runs, no c-map.
  const bool token_pairs = check_pairs && config.arch == model::Architecture::transformer;
  const bool pair_runs = check_pairs && !token_pairs;
  std::optional<theory::PairCosinePrediction> pair_prediction;
  if (pair_runs && trajectory) {
    try {
      pair_prediction =
          theory::predict_pair_cosines(config, *trajectory, detail::kPairInputCorrelation);
    } catch (const std::exception&) {
      pair_prediction.reset();
    }
  }
  detail::SamplePlan plan =
      detail::plan_samples(config, options, trajectory, finite_width,
                           detail::claims_spending_alpha(to_check), need_backward);
  if (options.replicates > 0) plan.replicates = std::max(options.replicates, 2);
  if (options.drift_replicates > 0) plan.drift_replicates = options.drift_replicates;
  plan.drift_replicates = std::max(plan.drift_replicates, plan.replicates);
  if (config.given_weights) {
    // Every network is one of the files: no more networks than files, no extra drift networks,
    // no later looks. A claim they cannot decide stays inconclusive, saying how many would.
    const int files = config.given_weights->replicates();
    if (options.replicates > files) {
      throw InputError("--replicates " + std::to_string(options.replicates) + " needs as many " +
                       "weight files; " + config.given_weights->directory() + " has " +
                       std::to_string(files));
    }
    plan.replicates = options.replicates > 0 ? options.replicates : files;
    plan.drift_replicates = plan.replicates;
  }
  engine::TraceOptions trace_options;
  trace_options.backward = need_backward;
  trace_options.per_sample_norms = true;
  trace_options.gram = false;
  trace_options.dominance_units = 4;
  trace_options.pair_cosines = token_pairs;
  const int threads = options.threads > 0
                          ? options.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // Pre-declared looks (fixed before any data): R, 2R, 4R … while the total stays within the
  // network cap and the compute budget; each look's tests spend α/looks.
  std::vector<int> looks{plan.replicates};
  // Every look network also runs its pair batch when `correlation` is checked.
  const double look_cost = plan.cost_per_replicate + (pair_runs ? plan.cost_per_pair_network : 0.0);
  if (options.replicates == 0 && !config.given_weights) {
    const int cap = options.max_networks > 0 ? options.max_networks : 4 * detail::kMaxReplicates;
    const double budget = options.budget_seconds * detail::kNominalFlopsPerSecond;
    while (static_cast<double>(looks.size()) < detail::kLooks && 2 * looks.back() <= cap &&
           2.0 * looks.back() * look_cost <= budget) {
      looks.push_back(2 * looks.back());
    }
  }
  const bool check_drift = any_claim(&ClaimDescriptor::needs_drift_networks);
  model::NetworkConfig small = config;
  if (config.norm != model::Norm::batchnorm) small.batch = 1;
  const int drift_networks = check_drift ? std::max(plan.drift_replicates - plan.replicates, 0) : 0;
  const model::NetworkConfig pairs = detail::pair_config(config);
  const double pair_network =
      pair_runs ? engine::estimate_memory(pairs, detail::pair_trace_options()).network : 0.0;
  check_memory(config, trace_options, looks.back(), check_drift, small, drift_networks, threads,
               pair_network, options.max_memory_bytes);
  check_compute(plan, look_cost, looks.front(), drift_networks, options.budget_seconds);
  const double alpha_claim =
      options.alpha /
      static_cast<double>(std::max<std::size_t>(detail::claims_spending_alpha(to_check), 1)) /
      static_cast<double>(looks.size());
  std::vector<engine::Trace> traces;
  std::vector<engine::Trace> drift_extra;
  if (drift_networks > 0) {
    // Extra forward-only networks for `drift` (their own seed stream, batch 1 unless BatchNorm).
    engine::TraceOptions drift_options = trace_options;
    drift_options.backward = false;
    drift_options.dominance_units = 0;
    drift_options.pair_cosines = false;
    drift_extra =
        engine::run_replicates(small, drift_options, rng::splitmix64(options.seed ^ kDriftSeedSalt),
                               drift_networks, threads);
  }
  // drift reads the extra networks plus every look's networks (appended, never copied again).
  std::vector<engine::Trace> drift_traces = std::move(drift_extra);
  std::vector<engine::Trace> pair_traces;
  // What `correlation` reads: the pair runs, or a transformer's own traces (token cosines).
  const std::vector<engine::Trace>& cosine_traces = token_pairs ? traces : pair_traces;
  std::vector<ClaimId> undecided = to_check;
  for (int target : looks) {
    if (undecided.empty()) break;
    const int have = static_cast<int>(traces.size());
    std::vector<engine::Trace> more;
    if (pair_runs && std::any_of(undecided.begin(), undecided.end(), [](ClaimId id) {
          return claim_descriptor(id).needs_pair_networks;
        })) {
      // Each network also runs its pair batch (detail/pair_runs.hpp) on the same weights.
      engine::ReplicatesWithPairs runs = engine::run_replicates_with_pairs(
          config, trace_options, pairs, detail::pair_trace_options(), options.seed, have,
          target - have, threads);
      more = std::move(runs.traces);
      std::move(runs.pairs.begin(), runs.pairs.end(), std::back_inserter(pair_traces));
      out.pair_replicates = static_cast<int>(pair_traces.size());
    } else {
      more =
          engine::run_replicates(config, trace_options, options.seed, have, target - have, threads);
    }
    drift_traces.insert(drift_traces.end(), more.begin(), more.end());
    std::move(more.begin(), more.end(), std::back_inserter(traces));
    out.replicates = static_cast<int>(traces.size());
    out.drift_replicates = static_cast<int>(drift_traces.size());
    if (token_pairs) out.pair_replicates = out.replicates;
    std::vector<ClaimId> still;
    for (ClaimId id : undecided) {
      const detail::ClaimContext ctx{
          config,       options,       traces,
          drift_traces, trajectory,    finite_width,
          alpha_claim,  cosine_traces, pair_prediction ? &*pair_prediction : nullptr};
      ClaimResult r = claim_descriptor(id).check(ctx);
      r.id = id;
      r.applicable = true;
      if (r.verdict == stats::Verdict::inconclusive) still.push_back(id);
      out.claims[static_cast<std::size_t>(id)] = std::move(r);
    }
    undecided = std::move(still);
  }
  for (ClaimId id : undecided)
    detail::add_networks_needed(out.claims[static_cast<std::size_t>(id)],
                                static_cast<bool>(config.given_weights));
  out.overall = overall_verdict(out.claims);
  if (!traces.empty()) {
    out.curves = detail::make_curves(config, traces, trajectory, finite_width, need_backward);
  }
  if (!cosine_traces.empty() && check_pairs) {
    out.curves.pair_cosine.assign(cosine_traces.front().pair_cosine.size(), 0.0);
    const auto n = static_cast<double>(cosine_traces.size());
    for (const engine::Trace& t : cosine_traces) {
      for (std::size_t d = 0; d < out.curves.pair_cosine.size() && d < t.pair_cosine.size(); ++d) {
        out.curves.pair_cosine[d] += t.pair_cosine[d] / n;
      }
    }
    if (pair_prediction) out.curves.predicted_pair_cosine = pair_prediction->cosine;
  }
  return out;
}

}  // namespace initcheck::claims
