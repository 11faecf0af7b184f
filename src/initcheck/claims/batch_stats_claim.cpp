/// `batch-stats`: "We normalize all of the dataset, not each batch" — with dataset-normalized
/// inputs, each batch's per-feature mean and variance deviate from 0 and 1 only by sampling
/// error for a batch of N values per feature.
///
/// Test (exact): the n0 input features are iid N(0, 1) columns, so N·μ_j² ~ θ_m·χ²_1 and
/// N·σ_j² (biased batch variance) ~ θ_v·χ²_{N−1}, independent over features and networks, with
/// θ_m = θ_v = 1 when batch statistics are pure sampling error. χ² scale intervals for θ_m
/// (dof R·n0) and θ_v (dof R·n0·(N−1)) at level 1 − α/2 each; band [1/K², K²].

#include <cmath>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/stats/variance_interval.hpp"

namespace initcheck::claims::detail {

std::string batch_stats_not_applicable(const engine::NetworkConfig& config) {
  if (config.input != engine::InputKind::dataset_normalized) {
    return "needs --input dataset_normalized";
  }
  return {};
}

ClaimResult check_batch_stats(const ClaimContext& ctx) {
  const double k2 = ctx.options.tolerance * ctx.options.tolerance;
  ClaimResult result =
      make_result(ClaimId::batch_stats,
                  "batch-mean dispersion N·E[μ_j²] (1 = sampling error only), N values per feature",
                  {1.0 / k2, k2});
  double t_mean = 0.0;
  double t_var = 0.0;
  double dof_mean = 0.0;
  double dof_var = 0.0;
  for (const engine::Trace& t : ctx.traces) {
    const engine::TensorStats& s = t.input;
    const auto rows = static_cast<double>(s.rows);
    const double n = static_cast<double>(s.count) / rows;
    t_mean += n * rows * s.channel_sq_mean;
    t_var += n * rows * s.channel_variance;
    dof_mean += rows;
    dof_var += rows * (n - 1.0);
  }
  result.layer = 0;
  result.predicted = 1.0;
  result.ci = stats::chi_squared_scale_interval(t_mean, dof_mean, 1.0 - ctx.alpha / 2.0);
  finish(result);
  if (dof_var > 0.0) {
    const stats::ConfidenceInterval v =
        stats::chi_squared_scale_interval(t_var, dof_var, 1.0 - ctx.alpha / 2.0);
    const stats::Verdict vv = safe_decide(v, result.band);
    if (static_cast<int>(vv) > static_cast<int>(result.verdict)) {
      result.quantity =
          "batch variance / sampling expectation, (N/(N−1))·E[σ_j²] (1 = sampling error only)";
      result.ci = v;
      finish(result);
    }
  }
  if (result.verdict == stats::Verdict::violated) {
    result.advice =
        "batch statistics deviate beyond sampling error: normalize with the dataset's "
        "mean and std (computed once over the whole dataset)";
  }
  return result;
}

}  // namespace initcheck::claims::detail
