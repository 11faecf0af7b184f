#include "initcheck/claims/layer_gain_check.hpp"

#include <algorithm>
#include <cmath>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/layer_gain_pivot.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/engine/replicates.hpp"
#include "initcheck/stats/log_gain_interval.hpp"
#include "initcheck/stats/quantiles.hpp"
#include "initcheck/theory/exact_gain.hpp"

namespace initcheck::claims {
namespace {

/// Level of each layer's interval: Bonferroni over the L layers.
double layer_level(const model::NetworkConfig& config, const LayerGainOptions& o) {
  return 1.0 - o.alpha / static_cast<double>(std::max(config.depth(), 1));
}

/// Width of the exact interval for log g at `dof` degrees of freedom: data-independent, so the
/// band half-width M_l is fixed before any data (a correct scheme then pokes out of the band
/// only if its interval misses the truth, with probability α/L).
double exact_interval_width(double dof, double level) {
  const double one[1] = {1.0};
  const double k[1] = {dof};
  const stats::ConfidenceInterval ci = stats::log_gain_sum_interval(one, k, level);
  return ci.upper - ci.lower;
}

}  // namespace

std::string LayerGainCheck::describe() const {
  if (gain.empty() || worst_layer < 1) return "no layer checked";
  const stats::ConfidenceInterval& ci = gain[static_cast<std::size_t>(worst_layer - 1)];
  const stats::ToleranceBand& b = bands[static_cast<std::size_t>(worst_layer - 1)];
  return "layer " + std::to_string(worst_layer) + " of " + std::to_string(gain.size()) + ": gain " +
         detail::short_number(ci.estimate) + " CI [" + detail::short_number(ci.lower) + ", " +
         detail::short_number(ci.upper) + "] vs band [" + detail::short_number(b.lo) + ", " +
         detail::short_number(b.hi) + "] (" + std::to_string(networks) + " networks)";
}

std::string layer_gain_check_unavailable(const model::NetworkConfig& config) {
  return detail::layer_gain_pivot_unavailable(config);
}

int planned_layer_gain_networks(const model::NetworkConfig& config, const LayerGainOptions& o) {
  if (o.networks > 0) return o.networks;
  std::int64_t n_min = config.widths.back();
  for (std::size_t i = 1; i < config.widths.size(); ++i) n_min = std::min(n_min, config.widths[i]);
  const double z = stats::normal_quantile(1.0 - (1.0 - layer_level(config, o)) / 2.0);
  const double sigma = std::log1p(o.detectable) / (z + stats::normal_quantile(1.0 - o.beta));
  // log(χ²_k/k) has variance ≈ 2/k: k = R·n_min ≥ 2/σ².
  const double r = std::ceil(2.0 / (sigma * sigma * static_cast<double>(n_min)));
  return static_cast<int>(std::clamp(r, 2.0, 1e7));
}

LayerGainCheck check_layer_gains(const model::NetworkConfig& config, const LayerGainOptions& o) {
  config.validate();
  const std::string why = layer_gain_check_unavailable(config);
  if (!why.empty()) throw InputError("the per-layer gain check does not apply: " + why);
  LayerGainCheck out;
  out.networks = planned_layer_gain_networks(config, o);
  model::NetworkConfig single = config;
  single.batch = 1;  // the pivot uses one input column per network
  engine::TraceOptions trace;
  trace.backward = false;
  trace.per_sample_norms = true;
  trace.dominance_units = 0;
  const std::vector<engine::Trace> traces =
      engine::run_replicates(single, trace, o.seed, out.networks, std::max(o.threads, 1));
  const detail::LayerGainPivots pivots = detail::collect_layer_gain_pivots(traces);
  const double g = theory::variance_preserving_gain(config.activation);
  const double unit_gain = 1.0 / (g * g);  // E[φ(z)²], z ~ N(0, 1)
  const double level = layer_level(config, o);
  double least = 0.0;
  for (int l = 0; l < config.depth(); ++l) {
    const double planned_dof =
        static_cast<double>(out.networks) * static_cast<double>(config.widths[l + 1]);
    const double m = exact_interval_width(planned_dof, level);
    const stats::ToleranceBand band{o.target * std::exp(-m), o.target * std::exp(m)};
    const stats::ConfidenceInterval ci =
        exp_interval(detail::layer_log_gain_interval(pivots, unit_gain, l, level));
    const stats::Verdict v = safe_decide(ci, band);
    out.verdict = stats::combine(out.verdict, v);
    // Margin inside the band in log units (negative when the interval sticks out).
    const double margin = std::min(std::log(ci.lower / band.lo), std::log(band.hi / ci.upper));
    if (out.worst_layer == 0 || !(margin >= least)) {
      least = margin;
      out.worst_layer = l + 1;
    }
    out.gain.push_back(ci);
    out.bands.push_back(band);
  }
  return out;
}

}  // namespace initcheck::claims
