/// `batchnorm`: "Batch norm forces mean 0, std 1" — with training-mode BatchNorm after every
/// linear layer, every channel's batch mean is 0 and its batch variance is exactly σ²/(σ²+ε)
/// (σ² the channel's pre-BN batch variance), at every depth and for any init scale.
///
/// This is an algebraic identity, so the check is deterministic: the largest deviation over
/// channels, layers and networks, max(|μ_c(y)|, |σ_c²(y) − σ_c²(z)/(σ_c²(z)+ε)|), must stay
/// within the arithmetic's rounding: 1e-4 in fp32 (≈ 800 ulp: float sums over up to 10⁵
/// values), 8·eps of the storage format otherwise (y itself is rounded to it).

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"

namespace initcheck::claims::detail {

namespace {

std::string batchnorm_not_applicable(const model::NetworkConfig& config) {
  if (config.norm != model::Norm::batchnorm) return "needs --norm batchnorm";
  return {};
}

ClaimResult check_batchnorm(const ClaimContext& ctx) {
  const double tol =
      ctx.config.precision == precision::Format::fp32
          ? 1e-4
          : 8.0 * static_cast<double>(precision::format_limits(ctx.config.precision).epsilon);
  ClaimResult result = make_result(
      ClaimId::batchnorm,
      "largest |batch mean| or |batch variance − σ²/(σ²+ε)| of any BatchNorm channel (" +
          std::to_string(ctx.traces.size()) + " networks)",
      {0.0, tol});
  double worst = 0.0;
  int worst_layer = -1;
  int first = -1;
  for (const engine::Trace& t : ctx.traces) {
    for (std::size_t l = 0; l < t.layers.size(); ++l) {
      const engine::LayerTrace& lt = t.layers[l];
      double e = std::max(lt.norm.max_abs_channel_mean, lt.bn_max_variance_error);
      if (std::isnan(e) || lt.norm.nan_count + lt.norm.inf_count > 0) {
        e = std::numeric_limits<double>::infinity();
      }
      if (e > tol && (first < 0 || static_cast<int>(l) + 1 < first)) {
        first = static_cast<int>(l) + 1;
      }
      if (worst_layer < 0 || e > worst) {
        worst = e;
        worst_layer = static_cast<int>(l) + 1;
      }
    }
  }
  result.ci = {worst, worst, worst, 1.0, ctx.traces.size()};
  result.layer = worst_layer;
  result.first_layer = first;
  result.predicted = 0.0;
  finish(result);
  if (result.verdict == stats::Verdict::violated) {
    result.advice = "BatchNorm output deviates by " + short_number(worst) + " at layer " +
                    std::to_string(first) + " in " +
                    std::string(precision::format_name(ctx.config.precision)) +
                    ": keep BatchNorm's input and statistics in fp32 (or bf16), and its input "
                    "scale near 1";
  }
  return result;
}

}  // namespace

extern constinit const ClaimDescriptor kBatchnormClaim{
    .id = ClaimId::batchnorm,
    .name = "batchnorm",
    .quote = "Batch norm forces mean 0, std 1",
    .measure = "per-channel batch mean 0 and variance σ²/(σ²+ε) after every BatchNorm",
    .method =
        "After every BatchNorm layer (training-mode batch statistics) each channel's batch mean "
        "must be 0 and its variance σ²/(σ²+ε); these are identities, so the tolerance is the "
        "rounding error of the storage format, whatever the init scale.",
    .spends_alpha = false,
    .not_applicable = batchnorm_not_applicable,
    .check = check_batchnorm};

}  // namespace initcheck::claims::detail
