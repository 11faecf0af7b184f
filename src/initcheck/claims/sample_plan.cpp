#include "initcheck/claims/detail/sample_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/norm_chain.hpp"
#include "initcheck/claims/detail/pair_runs.hpp"
#include "initcheck/engine/input_data.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/stats/proportion_interval.hpp"
#include "initcheck/stats/quantiles.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims::detail {

SamplePlan plan_samples(const model::NetworkConfig& config, const CheckOptions& options,
                        const std::optional<theory::PredictedTrajectory>& trajectory,
                        const std::optional<theory::FiniteWidthPrediction>& finite_width,
                        std::size_t claims, bool backward) {
  SamplePlan plan;
  // Cost: 2·fan_in·n_out flops per output column forward plus kFlopsPerLayerPass (both ×3 with
  // backward) plus kFlopsPerWeightDrawn per weight drawn (vectorized Philox + Box–Muller:
  // ≈ 200 M normals/s per core, i.e. ≈ 5 ns, the time of ≈ 300–500 GEMM flops; rng_bench).
  const int layers = model::weight_layer_count(config);
  double cost = 0.0;
  // A pair run is a forward pass of pair_config's batch.
  const double pair_share = static_cast<double>(pair_config(config).batch) /
                            static_cast<double>(std::max<std::int64_t>(config.batch, 1));
  for (int l = 0; l < layers; ++l) {
    const FanInfo fan = model::layer_fan(config, l);
    const double weights = static_cast<double>(fan.fan_in()) * static_cast<double>(fan.out_units);
    const double columns =
        static_cast<double>(config.batch) * static_cast<double>(config.columns_per_sample());
    if (config.arch == model::Architecture::transformer &&
        l % model::kTransformerBlockLayers == 0) {
      // Attention (once per block): scores and weighted sum, 2·T²·d flops each per sequence.
      cost += 4.0 * static_cast<double>(config.tokens) * static_cast<double>(config.tokens) *
              static_cast<double>(config.widths[0]) * static_cast<double>(config.batch) *
              (backward ? 3.0 : 1.0);
    }
    double draw = kFlopsPerWeightDrawn * weights;
    const init::WeightLaw law = config.init->weight_law(fan);
    if (!law.mean_field) {
      draw = 0.0;  // a fixed matrix (identity): nothing is drawn or factorized
    } else if (!law.independent_entries) {
      // Orthogonal-type schemes factorize a Gaussian matrix: Householder QR of n_max × n_min,
      // ≈ 2 ms for 128 × 128 per QR measured in a full check (allocation included), i.e.
      // ≈ 80·n_max·n_min² GEMM-flop equivalents.
      const auto lo = static_cast<double>(std::min(fan.fan_in(), fan.out_units));
      const auto hi = static_cast<double>(std::max(fan.fan_in(), fan.out_units));
      draw += kFlopsPerQrFlop * hi * lo * lo;
    }
    cost += (2.0 * weights * columns + kFlopsPerLayerPass) * (backward ? 3.0 : 1.0) + draw;
    const double drift_columns = config.norm == model::Norm::batchnorm
                                     ? columns
                                     : columns / static_cast<double>(config.batch);
    plan.cost_per_replicate_forward_batch1 +=
        2.0 * weights * drift_columns + kFlopsPerLayerPass + draw;
    plan.cost_per_pair_network +=
        2.0 * weights * columns * pair_share + kFlopsPerLayerPass;  // weights copied
  }
  if (config.input == model::InputKind::dataset_normalized ||
      config.input == model::InputKind::dataset_unnormalized) {
    // Each network draws its own dataset (engine/input_data.hpp): N·n0 normals, the correlation
    // matrix (n0²·N), its Cholesky factor (n0³/3) and the whitened batch (n0²·columns).
    const auto n0 = static_cast<double>(config.widths[0]);
    auto dataset_cost = [n0](double columns) {
      const auto n = static_cast<double>(
          engine::dataset_size(static_cast<std::int64_t>(n0), static_cast<std::int64_t>(columns)));
      return kFlopsPerWeightDrawn * n0 * n + n0 * n0 * n + n0 * n0 * n0 / 3.0 + n0 * n0 * columns;
    };
    const auto pixels = static_cast<double>(config.columns_per_sample());
    const double columns = pixels * static_cast<double>(config.batch);
    cost += dataset_cost(columns);
    plan.cost_per_replicate_forward_batch1 +=
        dataset_cost(config.norm == model::Norm::batchnorm ? columns : pixels);
    plan.cost_per_pair_network += dataset_cost(columns * pair_share);
  }
  // Transformers take the token cosines in their own forward pass (no pair run; O(d·B·T) per
  // block, negligible beside the block's GEMMs).
  if (config.arch == model::Architecture::transformer) plan.cost_per_pair_network = 0.0;
  plan.cost_per_replicate = cost;
  const int affordable = std::clamp(static_cast<int>(kFlopBudget / std::max(cost, 1.0)),
                                    kMinReplicates, kMaxReplicates);

  // Need: resolve |log predicted gain| vs log K² with spread s (Hanin–Rolnick, else Σ 5/n_l).
  double s2 = 0.0;
  if (finite_width) {
    s2 = finite_width->log_variance;
  } else {
    for (std::size_t i = 1; i < config.widths.size(); ++i) {
      s2 += 5.0 / static_cast<double>(config.widths[i]);
    }
  }
  const double log_band = std::log(options.tolerance * options.tolerance);
  double log_gain = 0.0;
  if (trajectory) {
    const double g = trajectory->cumulative_gain();
    if (g > 0.0 && std::isfinite(g)) log_gain = std::log(g);
  }
  // Margin to the band edge; near the edge only a fifth of the band is chased.
  // Power (β = kPlanBeta): a verdict needs the interval's half-width plus the estimate's own
  // error below the margin between the predicted gain and the nearer band edge, i.e.
  // (z_{α'} + z_β)·sd ≤ margin with α' the deepest depth's one-sided share (depth_alpha); near
  // the edge only a fifth of the band is chased.
  const double margin = std::max(std::abs(std::abs(log_gain) - log_band), 0.2 * log_band);
  const int depth = std::max(config.depth(), 1);
  const double alpha_claim =
      options.alpha / static_cast<double>(std::max<std::size_t>(claims, 1)) / kLooks;
  const double alpha_deep = depth_alpha(alpha_claim, depth, depth);
  const double z =
      stats::normal_quantile(1.0 - alpha_deep) + stats::normal_quantile(1.0 - kPlanBeta);
  // log_mean_interval's spread: √(s²/R + s⁴/(2R)) (Cox) — solve (z·sd)² ≤ margin² for R.
  const double cox_need = std::ceil(z * z * (s2 + s2 * s2 / 2.0) / (margin * margin)) + 1.0;
  int need = static_cast<int>(std::min(cox_need, static_cast<double>(kMaxReplicates)));
  need = std::max(need, kMinReplicates);
  // `mean`: row means spread up to ≈ 1.0·std (measured on the default report's cells); R·n_min
  // rows resolve the 0.1·std band with power 1 − β: R ≥ (z·1.0/0.1)²/n_min.
  std::int64_t n_min = config.widths.back();
  for (std::size_t i = 1; i < config.widths.size(); ++i) n_min = std::min(n_min, config.widths[i]);
  const double z_mean =
      stats::normal_quantile(1.0 - alpha_claim / depth) + stats::normal_quantile(1.0 - kPlanBeta);
  const double mean_need = std::ceil(std::pow(z_mean / 0.1, 2.0) / static_cast<double>(n_min));
  need = std::max(need, static_cast<int>(std::min(mean_need, static_cast<double>(kMaxReplicates))));
  plan.replicates = std::min(need, affordable);
  plan.replicates = std::max(plan.replicates, kMinReplicates);

  // Drift: the Hanin–Rolnick log-normal model (theory/finite_width.hpp) predicts
  // log(std_L/std_0) ~ N(μ, s²) and the drift probability p; where it does not apply, the
  // Σ 5/n_l spread around the mean-field gain stands in (an over-estimate for smooth
  // activations and residual streams: it only makes the plan run more networks).
  plan.drift_replicates = plan.replicates;
  const double delta = options.drift_delta;
  const double drift_alpha =
      options.alpha / static_cast<double>(std::max<std::size_t>(claims, 1)) / kLooks;
  const double drift_cost = std::max(plan.cost_per_replicate_forward_batch1, 1.0);
  const int affordable_drift =
      std::clamp(plan.replicates + static_cast<int>(std::min(kDriftFlopBudget / drift_cost, 1e9)),
                 plan.replicates, std::max(kMaxDriftReplicates, plan.replicates));
  const double mean_log_gain = finite_width ? std::log(finite_width->mean_gain) : log_gain;
  const double mu = 0.5 * (mean_log_gain - 0.5 * s2);
  const double s = 0.5 * std::sqrt(s2);
  const double p = finite_width
                       ? theory::drift_probability(finite_width->log_variance,
                                                   finite_width->mean_gain, options.tolerance)
                       : normal_two_sided_exceedance(mu, s, std::log(options.tolerance));
  if (p >= 1.5 * delta && p < 1.0) {
    // Violation predicted: the n whose expected failure count 0.8·n·p gives a Clopper–Pearson
    // lower bound above δ at the claim's level.
    const double level = 1.0 - drift_alpha / 2.0;
    for (int n = plan.replicates; n <= affordable_drift; n += 4) {
      const auto failures = static_cast<std::size_t>(std::floor(0.8 * p * n));
      if (stats::clopper_pearson_interval(failures, static_cast<std::size_t>(n), level).lower >
          delta) {
        plan.drift_replicates = n;
        break;
      }
    }
  } else if (p <= 0.5 * delta) {
    // Holding predicted: the n for which drift_test's normal-model bound, at the predicted
    // (μ, s), falls to δ/2 (slack for the sample's own s), else the most affordable n if that
    // reaches δ. Otherwise drift stays with the main replicates (inconclusive unless the data
    // decide).
    auto bound = [&](int n) {
      return drift_normal_bound(mu, s, static_cast<std::size_t>(n), options.tolerance, drift_alpha);
    };
    bool planned = false;
    for (int n = plan.replicates; n <= affordable_drift; n += 4) {
      if (bound(n) <= 0.5 * delta) {
        plan.drift_replicates = n;
        planned = true;
        break;
      }
    }
    if (!planned && bound(affordable_drift) <= delta) {
      plan.drift_replicates = affordable_drift;
      planned = true;
    }
    // Clopper–Pearson alone (no model): the n whose upper bound at 1.5× the expected failure
    // count reaches δ — used when the parametric bound does not decide or needs more networks.
    const double level = 1.0 - drift_alpha / 2.0;
    for (int n = plan.replicates; n <= affordable_drift; n = std::max(n + 4, n * 5 / 4)) {
      const auto failures = static_cast<std::size_t>(std::ceil(1.5 * p * n));
      if (stats::clopper_pearson_interval(failures, static_cast<std::size_t>(n), level).upper <=
          delta) {
        if (!planned || n < plan.drift_replicates) plan.drift_replicates = n;
        break;
      }
    }
  }
  // The exact norm chain decides drift without engine networks (norm_chain.hpp).
  if (drift_uses_norm_chain(config)) {
    plan.drift_replicates = plan.replicates;
    return plan;
  }
  // Without a model for this architecture or activation the prediction above is rough: run
  // eight times the networks (within budget) and let the data decide.
  if (!finite_width && plan.drift_replicates == plan.replicates) {
    plan.drift_replicates = std::min(affordable_drift, 8 * plan.replicates);
  }
  return plan;
}

}  // namespace initcheck::claims::detail
