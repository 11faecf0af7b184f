#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <optional>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/claims/detail/layer_gain_pivot.hpp"
#include "initcheck/core/number_format.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/theory/exact_gain.hpp"

namespace initcheck::claims::detail {

int depth_units(const model::NetworkConfig& config) {
  return config.depth();
}

std::vector<double> forward_moments(const engine::Trace& trace,
                                    const model::NetworkConfig& config) {
  // A signal that overflowed is exploded, not undefined: once values reach ±inf (in z or h),
  // sums meet inf − inf and the second moment turns NaN. Such a NaN counts as +inf; a NaN
  // without any overflow stays NaN (and makes the claims inconclusive).
  constexpr double kInf = std::numeric_limits<double>::infinity();
  bool overflowed = trace.input.inf_count > 0;
  std::vector<double> m;
  m.reserve(static_cast<std::size_t>(config.depth()) + 1);
  auto add = [&](double moment, std::int64_t infs) {
    overflowed = overflowed || infs > 0 || moment == kInf;
    m.push_back(std::isnan(moment) && overflowed ? kInf : moment);
  };
  add(trace.input.second_moment, trace.input.inf_count);
  if (config.residual()) {
    for (const engine::BlockTrace& b : trace.blocks) {
      add(b.stream.second_moment, b.stream.inf_count);
    }
  } else {
    for (const engine::LayerTrace& l : trace.layers) {
      add(l.post.second_moment, l.pre.inf_count + l.post.inf_count);
    }
  }
  return m;
}

std::vector<double> predicted_forward_moments(const theory::PredictedTrajectory& t,
                                              const model::NetworkConfig& config) {
  std::vector<double> m;
  m.push_back(t.input_second_moment);
  if (config.residual()) {
    for (const theory::BlockPrediction& b : t.blocks) m.push_back(b.stream_second_moment);
  } else {
    for (const theory::LayerPrediction& l : t.layers) m.push_back(l.post_second_moment);
  }
  return m;
}

std::vector<double> backward_moments(const engine::Trace& trace,
                                     const model::NetworkConfig& config) {
  const int depth = config.depth();
  std::vector<double> g(static_cast<std::size_t>(depth) + 1, 0.0);
  g[static_cast<std::size_t>(depth)] = trace.grad_output_sq;
  if (config.residual()) {
    for (int b = 0; b + 1 < depth; ++b) {
      g[static_cast<std::size_t>(b) + 1] = trace.blocks[static_cast<std::size_t>(b)].grad_stream_sq;
    }
    g[0] = trace.grad_input_sq;
  } else {
    for (int l = 0; l < depth; ++l) {
      g[static_cast<std::size_t>(l)] = trace.layers[static_cast<std::size_t>(l)].grad_input_sq;
    }
  }
  return g;
}

std::vector<double> predicted_backward_moments(const theory::PredictedTrajectory& t,
                                               const model::NetworkConfig& config) {
  const int depth = config.depth();
  std::vector<double> g(static_cast<std::size_t>(depth) + 1, 1.0);
  if (config.residual()) {
    for (int b = 0; b + 1 < depth; ++b) {
      g[static_cast<std::size_t>(b) + 1] = t.blocks[static_cast<std::size_t>(b)].grad_stream_sq;
    }
    g[0] = t.grad_input_sq;
  } else {
    for (int l = 0; l < depth; ++l) {
      g[static_cast<std::size_t>(l)] = t.layers[static_cast<std::size_t>(l)].grad_input_sq;
    }
  }
  return g;
}

ClaimResult make_result(ClaimId id, std::string quantity, const stats::ToleranceBand& band) {
  ClaimResult r;
  r.id = id;
  r.quantity = std::move(quantity);
  r.band = band;
  r.predicted = std::numeric_limits<double>::quiet_NaN();
  return r;
}

void finish(ClaimResult& result) {
  result.verdict = safe_decide(result.ci, result.band);
  result.measured = result.ci.estimate;
  result.severity = severity(result.ci, result.band);
  if (result.verdict == stats::Verdict::holds) result.advice.clear();
}

std::string short_number(double x) {
  return format_number(x);
}

bool reports_before(stats::Verdict v, double margin, stats::Verdict reported_verdict,
                    double reported_margin) {
  if (v != reported_verdict) return v > reported_verdict;
  const auto key = [](double m) {
    return std::isnan(m) ? -std::numeric_limits<double>::infinity() : m;
  };
  return key(margin) < key(reported_margin);
}

double depth_alpha(double alpha, int l, int depth) {
  const double d = std::max(depth, 1);
  return alpha * 2.0 * static_cast<double>(std::max(l, 1)) / (d * (d + 1.0));
}

double equivalence_level(double alpha) {
  return 1.0 - 2.0 * alpha;
}

double a_priori_dead_bound(const ClaimContext& ctx) {
  const model::NetworkConfig& c = ctx.config;
  constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
  if (c.precision != precision::Format::fp32 || !ctx.trajectory) return kUnknown;
  // Float underflow (std below ≈ 1e-30 somewhere) can zero a whole layer for any activation.
  for (double m : predicted_forward_moments(*ctx.trajectory, c)) {
    if (!(m > 1e-60)) return kUnknown;
  }
  const int layers = model::weight_layer_count(c);
  bool symmetric = !c.init->has_bias();
  for (int l = 0; l < layers; ++l) {
    const init::WeightLaw law = c.init->weight_law(model::layer_fan(c, l));
    if (!(law.variance > 0.0)) return kUnknown;
    symmetric = symmetric && law.independent_entries && law.mean == 0.0;
  }
  if (c.residual()) return 0.0;  // x + α·F(x) = 0 (or a LayerNorm output 0) has probability 0
  if (c.activation.kind != nn::ActivationKind::relu) return 0.0;  // no exact zeros
  if (c.arch != model::Architecture::mlp || !symmetric) return kUnknown;
  // Given its input, each unit of a layer is off with probability ½ independently (zero-mean
  // symmetric iid weights): a layer of n units is all off with probability 2^{−n}.
  double bound = 0.0;
  for (std::size_t i = 1; i < c.widths.size(); ++i) {
    bound += std::ldexp(1.0, -static_cast<int>(std::min<std::int64_t>(c.widths[i], 1100)));
  }
  return std::min(bound, 1.0);
}

std::vector<bool> measurable_moments(const std::vector<double>& predicted,
                                     precision::Format format) {
  const precision::FormatLimits f = precision::format_limits(format);
  const double lo = static_cast<double>(f.min_normal) * static_cast<double>(f.min_normal);
  const double hi = 1e-6 * static_cast<double>(f.max) * static_cast<double>(f.max);
  std::vector<bool> out;
  out.reserve(predicted.size());
  for (double m : predicted) out.push_back(m >= lo && m <= hi);
  return out;
}

FormatExit predicted_format_exit(const model::NetworkConfig& config) {
  std::optional<theory::PredictedTrajectory> t;
  try {
    t = theory::predict_trajectory(config);
  } catch (const std::exception&) {
    return {};
  }
  const std::vector<double> m = predicted_forward_moments(*t, config);
  const std::vector<bool> ok = measurable_moments(m, config.precision);
  for (std::size_t l = 0; l < ok.size(); ++l) {
    if (!ok[l]) return {static_cast<int>(l), m[l] > 1.0};
  }
  return {};
}

int measurable_layer_prefix(const ClaimContext& ctx) {
  const int depth = ctx.config.depth();
  if (!ctx.trajectory || ctx.config.residual()) return depth;
  const std::vector<bool> in = measurable_moments(
      predicted_forward_moments(*ctx.trajectory, ctx.config), ctx.config.precision);
  std::vector<double> pre;
  for (const theory::LayerPrediction& p : ctx.trajectory->layers)
    pre.push_back(p.pre_second_moment);
  const std::vector<bool> z = measurable_moments(pre, ctx.config.precision);
  for (int l = 0; l < depth; ++l) {
    if (!in[static_cast<std::size_t>(l)] || !z[static_cast<std::size_t>(l)]) return l;
  }
  return depth;
}

SeriesCheck check_cumulative_pivots(const LayerGainPivots& pivots,
                                    const std::vector<double>& unit_gain,
                                    const stats::ToleranceBand& log_band, double alpha,
                                    int measured, int depth) {
  SeriesCheck out;
  double least = std::numeric_limits<double>::infinity();
  stats::Verdict least_verdict = stats::Verdict::holds;
  for (int l = 1; l <= measured; ++l) {
    const double level = equivalence_level(depth_alpha(alpha, l, depth));
    const stats::ConfidenceInterval ci =
        cumulative_log_gain_interval(pivots, unit_gain, l - 1, level);
    const stats::Verdict v = safe_decide(ci, log_band);
    out.verdict = stats::combine(out.verdict, v);
    if (v == stats::Verdict::violated && out.first_violated == 0) out.first_violated = l;
    const double margin = std::min(ci.lower - log_band.lo, log_band.hi - ci.upper);
    if (out.depth <= 0 || reports_before(v, margin, least_verdict, least)) {
      least = margin;
      least_verdict = v;
      out.depth = l;
      out.ci = exp_interval(ci);
    }
  }
  out.unmeasurable = depth - measured;
  if (out.depth <= 0) out.verdict = stats::Verdict::inconclusive;
  return out;
}

bool record_measured_depths(ClaimResult& result, const SeriesCheck& s) {
  if (s.unmeasurable > 0) {
    result.quantity += "; " + std::to_string(s.unmeasurable) +
                       " depths skipped (predicted second moment outside the storage format's "
                       "range: see precision)";
  }
  if (s.depth > 0) return true;
  result.verdict = stats::Verdict::inconclusive;
  result.advice = "no depth's second moment lies within the storage format's range";
  return false;
}

SeriesCheck check_log_series(const std::vector<std::vector<double>>& logs,
                             const std::vector<double>& reference, const stats::ToleranceBand& band,
                             double alpha, double dead_bound, const std::vector<bool>& measurable) {
  SeriesCheck out;
  if (logs.empty()) {
    out.verdict = stats::Verdict::inconclusive;
    return out;
  }
  const std::size_t depth = logs.front().size() - 1;
  const stats::ToleranceBand log_band{std::log(band.lo), std::log(band.hi)};
  out.mean_gain.assign(depth + 1, 1.0);
  // Signed margin of the CI inside the band (negative when it sticks out); the reporting depth
  // is chosen by reports_before (the worst violation, else the least certain depth).
  double least_margin = std::numeric_limits<double>::infinity();
  stats::Verdict least_verdict = stats::Verdict::holds;
  stats::ConfidenceInterval least_ci;
  std::vector<double> column(logs.size());
  for (std::size_t l = 1; l <= depth; ++l) {
    if (!measurable.empty() && !measurable[l]) {
      ++out.unmeasurable;
      continue;
    }
    for (std::size_t r = 0; r < logs.size(); ++r) column[r] = logs[r][l] - reference[l];
    const double level =
        equivalence_level(depth_alpha(alpha, static_cast<int>(l), static_cast<int>(depth)));
    const stats::ConfidenceInterval ci = log_mean_interval(column, level, dead_bound);
    out.mean_gain[l] = std::exp(ci.estimate);
    const stats::Verdict v = safe_decide(ci, log_band);
    out.verdict = stats::combine(out.verdict, v);
    if (v == stats::Verdict::violated && out.first_violated == 0) {
      out.first_violated = static_cast<int>(l);
    }
    const double margin = std::min(ci.lower - log_band.lo, log_band.hi - ci.upper);
    if (out.depth <= 0 || reports_before(v, margin, least_verdict, least_margin)) {
      least_margin = margin;
      least_verdict = v;
      out.depth = static_cast<int>(l);
      least_ci = ci;
    }
  }
  for (const std::vector<double>& x : logs) {
    if (x.back() == -std::numeric_limits<double>::infinity()) ++out.dead;
  }
  if (out.depth <= 0) {
    out.verdict = stats::Verdict::inconclusive;  // no depth within the format's range
    return out;
  }
  out.ci = exp_interval(least_ci);
  return out;
}

}  // namespace initcheck::claims::detail

namespace initcheck::claims::detail {

std::string gain_advice(const model::NetworkConfig& config, double per_layer_gain) {
  const nn::Activation& act = config.activation;
  std::string scheme;
  switch (act.kind) {
    case nn::ActivationKind::relu: scheme = "kaiming_normal (gain √2 for relu)"; break;
    case nn::ActivationKind::leaky_relu:
      scheme = "kaiming_normal(a=" + short_number(act.param) + ") (gain √(2/(1+a²)))";
      break;
    case nn::ActivationKind::linear:
      scheme = "lecun_normal, xavier_normal (square layers) or orthogonal";
      break;
    case nn::ActivationKind::selu:
      scheme = "lecun_normal (SELU's self-normalizing init, gain 1)";
      break;
    default:
      scheme = "normal(std=exact_gain/sqrt(fan_in)) (exact gain " +
               short_number(theory::variance_preserving_gain(act)) + " for " + act.name() + ")";
      break;
  }
  std::string text = "second moment ×" + short_number(per_layer_gain) + " per " +
                     (config.residual() ? "block" : "layer") + "; ";
  if (config.residual()) {
    // Per block the stream's second moment grows by 1 + α²·c, c the branch's own gain (the
    // branch is uncorrelated with the stream at init); α = 1/√(c·depth) bounds the total by e.
    const double a2 = config.branch_scale * config.branch_scale;
    if (per_layer_gain > 1.0 && a2 > 0.0) {
      const std::string c = short_number((per_layer_gain - 1.0) / a2);
      return text + "each branch multiplies the second moment by c ≈ " + c +
             " (the stream grows ×(1 + α²c) per block); use --branch-scale '1/sqrt(" + c +
             "*depth)' so the total stays below e, or make the branch preserve the second moment";
    }
    return text + "scale residual branches by 1/√depth (--branch-scale '1/sqrt(depth)') and use " +
           scheme;
  }
  if (config.norm != model::Norm::none) {
    return text + "the normalization layer fixes the scale; check the activation's gain, use " +
           scheme;
  }
  return text + "use " + scheme;
}

bool additive_stream_growth(const model::NetworkConfig& config) {
  return config.residual() && config.norm != model::Norm::none &&
         config.norm_placement != model::NormPlacement::post;
}

std::string additive_growth_advice(const model::NetworkConfig& config, double total_gain,
                                   int blocks, const std::string& what) {
  const double a2 = config.branch_scale * config.branch_scale;
  const double v = (total_gain - 1.0) / (a2 * std::max(blocks, 1));
  const std::string vs = short_number(v);
  const bool pre = config.norm_placement == model::NormPlacement::pre;
  return what + " second moment ×" + short_number(total_gain) + " after " + std::to_string(blocks) +
         " blocks, growing additively: each block adds α²·v, v ≈ " + vs +
         (pre ? " (the branch reads N(x), so the stream's size does not feed back)"
              : " (each branch ends in a norm, so the init cannot change v)") +
         "; use --branch-scale '1/sqrt(" + vs + "*depth)' so it grows ×2 over all " + "blocks" +
         (pre ? " (or scale the std of each branch's last layer by that factor, as GPT-2's "
                "0.02/sqrt(2*n_layer))"
              : "");
}

std::string post_norm_gradient_advice(const model::NetworkConfig& config, double total_gain,
                                      int blocks, double branch_gain) {
  const double a = config.branch_scale * config.branch_scale;
  if (!(a > 0.0) || !(branch_gain > 0.0) || blocks < 1) return "";
  const double r = std::pow(total_gain, 1.0 / blocks);
  const double c = (r * (1.0 + a * branch_gain) - 1.0) / a;
  const double x = (c - branch_gain) / std::log(2.0);
  if (!(x > 0.0) || !std::isfinite(x)) return "";
  const std::string xs = short_number(x);
  return "gradient second moment ×" + short_number(total_gain) + " after " +
         std::to_string(blocks) + " blocks: behind the post norm each block multiplies it by " +
         "(1 + α²c)/(1 + α²v), the branch's backward gain c ≈ " + short_number(c) +
         " against its forward gain v ≈ " + short_number(branch_gain) +
         "; use --branch-scale '1/sqrt(" + xs + "*depth)' (" + xs +
         " = (c − v)/ln 2) so it grows ×2 over all blocks";
}

}  // namespace initcheck::claims::detail
