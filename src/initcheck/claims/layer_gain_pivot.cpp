#include "initcheck/claims/detail/layer_gain_pivot.hpp"

#include <cmath>
#include <limits>
#include <optional>

#include "initcheck/model/layer_fan.hpp"
#include "initcheck/stats/log_gain_interval.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims::detail {
namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

std::string layer_gain_pivot_unavailable(const model::NetworkConfig& config) {
  if (config.arch != model::Architecture::mlp) return "not a dense MLP";
  if (config.norm != model::Norm::none) return "normalization layers";
  if (config.init->has_bias()) return "the scheme has biases";
  if (config.precision != precision::Format::fp32) return "low-precision storage";
  for (int l = 0; l < config.depth(); ++l) {
    const init::WeightLaw law = config.init->weight_law(model::layer_fan(config, l));
    if (!law.independent_entries) return "dependent weight entries";
    if (law.mean != 0.0) return "non-zero-mean weights";
    if (law.kurtosis > 3.0 + 1e-9) return "heavier-than-Gaussian weights";
  }
  return {};
}

LayerGainPivots collect_layer_gain_pivots(std::span<const engine::Trace> traces) {
  LayerGainPivots p;
  if (traces.empty()) return p;
  const std::size_t layers = traces.front().layers.size();
  p.ratio_sum.assign(layers, 0.0);
  p.dof.assign(layers, 0.0);
  p.alive.assign(layers, 0);
  p.fan_in.assign(layers, 0.0);
  for (std::size_t l = 0; l < layers; ++l) {
    p.fan_in[l] = static_cast<double>(traces.front().layers[l].fan_in);
  }
  p.networks = static_cast<std::int64_t>(traces.size());
  for (const engine::Trace& t : traces) {
    for (std::size_t l = 0; l < layers && l < t.layers.size(); ++l) {
      const engine::LayerTrace& lt = t.layers[l];
      if (lt.input_sq_norms.empty() || lt.pre_sq_norms.empty()) break;
      const double h = lt.input_sq_norms[0];
      if (!std::isfinite(h)) {
        ++p.overflowed;
        break;
      }
      if (!(h > 0.0)) {
        ++p.dead;
        break;
      }
      const double z = lt.pre_sq_norms[0];
      p.ratio_sum[l] += std::isfinite(z) ? z / h : kInf;
      p.dof[l] += static_cast<double>(lt.out_units);
      ++p.alive[l];
    }
  }
  return p;
}

namespace {

/// Layer k's gain estimate ĝ_k = c_k·fan_in_k·T_k/dof_k; a special interval (no data, overflow,
/// all-zero pre-activations) when the pivot cannot be used.
std::optional<stats::ConfidenceInterval> layer_estimate(const LayerGainPivots& pivots,
                                                        double unit_gain, std::size_t k,
                                                        double level, double& gain) {
  if (pivots.alive[k] == 0) return stats::ConfidenceInterval{kNaN, kNaN, kNaN, level, 0};
  if (pivots.ratio_sum[k] == kInf) return stats::ConfidenceInterval{kInf, kInf, kInf, level, 0};
  gain = unit_gain * pivots.fan_in[k] * pivots.ratio_sum[k] / pivots.dof[k];
  if (!(gain > 0.0)) return stats::ConfidenceInterval{-kInf, -kInf, -kInf, level, 0};
  return std::nullopt;
}

}  // namespace

stats::ConfidenceInterval cumulative_log_gain_interval(const LayerGainPivots& pivots,
                                                       std::span<const double> unit_gain, int l,
                                                       double level) {
  std::vector<double> gains;
  std::vector<double> dofs;
  const auto n = static_cast<std::size_t>(l) + 1;
  for (std::size_t k = 0; k < n; ++k) {
    double g = 0.0;
    if (auto special = layer_estimate(pivots, unit_gain[k], k, level, g)) return *special;
    gains.push_back(g);
    dofs.push_back(pivots.dof[k]);
  }
  stats::ConfidenceInterval ci = stats::log_gain_sum_interval(gains, dofs, level);
  ci.n = static_cast<std::size_t>(pivots.alive[n - 1]);
  return ci;
}

stats::ConfidenceInterval layer_log_gain_interval(const LayerGainPivots& pivots, double unit_gain,
                                                  int l, double level) {
  const auto k = static_cast<std::size_t>(l);
  double g = 0.0;
  if (auto special = layer_estimate(pivots, unit_gain, k, level, g)) return *special;
  const double gains[1] = {g};
  const double dofs[1] = {pivots.dof[k]};
  stats::ConfidenceInterval ci = stats::log_gain_sum_interval(gains, dofs, level);
  ci.n = static_cast<std::size_t>(pivots.alive[k]);
  return ci;
}

}  // namespace initcheck::claims::detail
