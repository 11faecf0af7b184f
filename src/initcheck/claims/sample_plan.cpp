#include "initcheck/claims/detail/sample_plan.hpp"

#include <algorithm>
#include <cmath>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/stats/proportion_interval.hpp"
#include "initcheck/stats/quantiles.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims::detail {

SamplePlan plan_samples(const engine::NetworkConfig& config, const CheckOptions& options,
                        const std::optional<theory::PredictedTrajectory>& trajectory,
                        const std::optional<theory::FiniteWidthPrediction>& finite_width,
                        std::size_t claims, bool backward) {
  SamplePlan plan;
  // Cost: 2·fan_in·n_out flops per output column forward (×3 with backward) plus ≈ 1000 flops
  // per weight drawn (Box–Muller normals cost ≈ 10 ns each, 4× a 256-wide GEMM column; perf).
  const int layers = config.arch == engine::Architecture::resnet
                         ? config.depth() * config.block_layers
                         : config.depth();
  double cost = 0.0;
  for (int l = 0; l < layers; ++l) {
    const FanInfo fan = theory::layer_fan(config, l);
    const double weights = static_cast<double>(fan.fan_in()) * static_cast<double>(fan.out_units);
    double columns = static_cast<double>(config.batch);
    if (config.arch == engine::Architecture::conv)
      columns *= static_cast<double>(config.spatial) * config.spatial;
    cost += 2.0 * weights * columns * (backward ? 3.0 : 1.0) + 1000.0 * weights;
    const double drift_columns = config.norm == engine::Norm::batchnorm
                                     ? columns
                                     : columns / static_cast<double>(config.batch);
    plan.cost_per_replicate_forward_batch1 += 2.0 * weights * drift_columns + 1000.0 * weights;
  }
  plan.cost_per_replicate = cost;
  const int affordable = std::clamp(static_cast<int>(kFlopBudget / std::max(cost, 1.0)),
                                    kMinReplicates, kMaxReplicates);

  // Need: resolve |log predicted gain| vs log K² with spread s (Hanin–Rolnick, else Σ 5/n_l).
  double s2 = 0.0;
  if (finite_width) {
    s2 = finite_width->log_variance;
  } else {
    for (std::size_t i = 1; i < config.widths.size(); ++i)
      s2 += 5.0 / static_cast<double>(config.widths[i]);
  }
  const double log_band = std::log(options.tolerance * options.tolerance);
  double log_gain = 0.0;
  if (trajectory) {
    const double g = trajectory->cumulative_gain();
    if (g > 0.0 && std::isfinite(g)) log_gain = std::log(g);
  }
  // Margin to the band edge; near the edge only a fifth of the band is chased.
  const double margin = std::max(std::abs(std::abs(log_gain) - log_band), 0.2 * log_band);
  const double alpha = options.alpha / static_cast<double>(std::max<std::size_t>(claims, 1)) /
                       static_cast<double>(std::max(config.depth(), 1));
  int need = replicates_for_margin(std::sqrt(s2), margin, alpha, kMinReplicates, kMaxReplicates);
  // `mean`: row means spread ≈ 0.6·std for ReLU-like inputs; resolve half the 0.1·std band with
  // R·n_min rows: R ≥ (z·0.6/0.05)²/n_min.
  std::int64_t n_min = config.widths.back();
  for (std::size_t i = 1; i < config.widths.size(); ++i) n_min = std::min(n_min, config.widths[i]);
  const double z = stats::normal_quantile(1.0 - alpha / 2.0);
  const double mean_need = std::ceil(std::pow(z * 0.6 / 0.05, 2.0) / static_cast<double>(n_min));
  need = std::max(need, static_cast<int>(std::min(mean_need, static_cast<double>(kMaxReplicates))));
  plan.replicates = std::min(std::max(need, 24), affordable);
  plan.replicates = std::max(plan.replicates, kMinReplicates);

  // Drift: when violation is predicted (p ≥ 1.5δ), find n whose expected failure count 0.8·n·p
  // gives a Clopper–Pearson lower bound above δ at the claim's level.
  plan.drift_replicates = plan.replicates;
  if (finite_width) {
    const double p = theory::drift_probability(finite_width->log_variance, finite_width->mean_gain,
                                               options.tolerance);
    const double delta = options.drift_delta;
    if (p >= 1.5 * delta && p < 1.0) {
      const double level =
          1.0 - options.alpha / static_cast<double>(std::max<std::size_t>(claims, 1)) / 2.0;
      const double drift_cost = std::max(plan.cost_per_replicate_forward_batch1, 1.0);
      const int affordable_drift =
          std::clamp(plan.replicates + static_cast<int>(kDriftFlopBudget / drift_cost),
                     plan.replicates, kMaxDriftReplicates);
      // Only worth running when the budget reaches such an n; otherwise drift stays with the
      // main replicates (and is reported inconclusive unless the data say otherwise).
      for (int n = plan.replicates; n <= affordable_drift; n += 4) {
        const auto failures = static_cast<std::size_t>(std::floor(0.8 * p * n));
        if (stats::clopper_pearson_interval(failures, static_cast<std::size_t>(n), level).lower >
            delta) {
          plan.drift_replicates = n;
          break;
        }
      }
    }
  }
  return plan;
}

}  // namespace initcheck::claims::detail
