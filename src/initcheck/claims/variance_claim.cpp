/// `variance`: "Mean 0 std 1 lasts a long time" — the typical second-moment gain M_l/M_0 of the
/// activations entering each layer stays within [1/K², K²] at every depth l.
///
/// Test (general): per replicate r (iid networks) x_{r,l} = log(M_{r,l}/M_{r,0}), a sum of l
/// independent per-layer log gains (close to normal); a Student t interval for E[x_l] at level
/// 1 − α/D per depth (Bonferroni over the D depths). The parameter is then the geometric-mean
/// gain exp(E[log(M_l/M_0)]) (below the mean-field Π g_l by the finite-width ½Var(log M)).
///
/// Test (exact layers: dense MLP, φ ∈ {relu, leaky_relu, linear}, no norm, no bias, iid
/// zero-mean weights with kurtosis ≤ 3): for the first input of each network, given h_{l−1} the
/// z_i are iid N(0, σ²‖h‖²) and φ is homogeneous, so the per-unit gain
/// r_l = (‖h_l‖²/n_l)/(‖h_{l−1}‖²/n_{l−1}) = g_l·D_l where D_l's law does not depend on the past:
/// the r_l are independent across layers and networks, E[D] = 1 and
/// Var(D) = (3c₄/c₂² − 1)/n_l (c₂ = (1+a²)/2, c₄ = (1+a⁴)/2; Hanin & Rolnick 2018). D is
/// taken as χ²_ν/ν with ν = 2n_l/(3c₄/c₂² − 1) (Satterthwaite: exact for linear, two moments
/// for relu/leaky_relu) and stats::log_gain_sum_interval gives an interval for Σ_{k≤l} log g_k,
/// i.e. the mean-field Π g_l itself, with far more independent units (R·l layers) than R.

#include <cmath>
#include <limits>
#include <string>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/detail/claim_context.hpp"
#include "initcheck/stats/log_gain_interval.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims::detail {

namespace {

/// Degrees of freedom of the per-layer gain pivot, or 0 when the exact-layer test does not apply.
double exact_layer_dof_factor(const ClaimContext& ctx) {
  const engine::NetworkConfig& c = ctx.config;
  if (c.arch != engine::Architecture::mlp || c.norm != engine::Norm::none || c.init->has_bias()) {
    return 0.0;
  }
  if (c.precision != precision::Format::fp32) return 0.0;
  double a = 0.0;
  switch (c.activation.kind) {
    case nn::ActivationKind::relu: a = 0.0; break;
    case nn::ActivationKind::leaky_relu: a = c.activation.param; break;
    case nn::ActivationKind::linear: a = 1.0; break;
    default: return 0.0;
  }
  for (int l = 0; l < c.depth(); ++l) {
    const init::WeightLaw law = c.init->weight_law(theory::layer_fan(c, l));
    if (!law.independent_entries || law.mean != 0.0 || law.kurtosis > 3.0 + 1e-9) return 0.0;
  }
  const double c2 = (1.0 + a * a) / 2.0;
  const double c4 = (1.0 + a * a * a * a) / 2.0;
  return 2.0 / (3.0 * c4 / (c2 * c2) - 1.0);  // ν_l = factor · n_l
}

/// Per-layer gains r_{r,l} of the first input (l = 1..D), or empty if unavailable/degenerate.
std::vector<std::vector<double>> first_input_layer_gains(const ClaimContext& ctx) {
  std::vector<std::vector<double>> out;
  const int depth = ctx.config.depth();
  for (const engine::Trace& t : ctx.traces) {
    if (t.output_sq_norms.empty() || static_cast<int>(t.layers.size()) != depth) return {};
    std::vector<double> norms;  // ‖h_l,0‖²/entries, l = 0..D
    for (const engine::LayerTrace& lt : t.layers) {
      if (lt.input_sq_norms.empty()) return {};
      norms.push_back(lt.input_sq_norms[0] / static_cast<double>(lt.in_units));
    }
    norms.push_back(t.output_sq_norms[0] / static_cast<double>(t.layers.back().out_units));
    std::vector<double> r(static_cast<std::size_t>(depth) + 1, 1.0);
    for (int l = 1; l <= depth; ++l) {
      const auto ul = static_cast<std::size_t>(l);
      r[ul] = norms[ul] / norms[ul - 1];
      if (!(r[ul] > 0.0) || !std::isfinite(r[ul])) return {};
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace

std::string variance_not_applicable(const engine::NetworkConfig& /*config*/) {
  return {};
}

ClaimResult check_variance(const ClaimContext& ctx) {
  const double k2 = ctx.options.tolerance * ctx.options.tolerance;
  const int depth = ctx.config.depth();
  ClaimResult result = make_result(ClaimId::variance,
                                   "second-moment gain M_l/M_0 (geometric mean over " +
                                       std::to_string(ctx.traces.size()) + " networks), worst of " +
                                       std::to_string(depth) + " depths",
                                   {1.0 / k2, k2});
  std::vector<std::vector<double>> logs;
  logs.reserve(ctx.traces.size());
  for (const engine::Trace& t : ctx.traces) {
    std::vector<double> m = forward_moments(t, ctx.config);
    std::vector<double> x(m.size(), 0.0);
    for (std::size_t l = 1; l < m.size(); ++l) x[l] = std::log(m[l]) - std::log(m[0]);
    logs.push_back(std::move(x));
  }
  SeriesCheck s = check_log_series(
      logs, std::vector<double>(static_cast<std::size_t>(depth) + 1, 0.0), result.band, ctx.alpha);
  const double factor = exact_layer_dof_factor(ctx);
  const std::vector<std::vector<double>> gains =
      factor > 0.0 ? first_input_layer_gains(ctx) : std::vector<std::vector<double>>{};
  if (!gains.empty()) {
    // Exact-layer test replaces the replicate t intervals (same Bonferroni over depths).
    result.quantity = "mean-field second-moment gain Π_{k≤l} g_k (exact per-layer χ² pivot, " +
                      std::to_string(gains.size()) + " networks × layers), worst of " +
                      std::to_string(depth) + " depths";
    const double level = 1.0 - ctx.alpha / static_cast<double>(std::max(depth, 1));
    const stats::ToleranceBand log_band{std::log(result.band.lo), std::log(result.band.hi)};
    const auto reps = static_cast<double>(gains.size());
    SeriesCheck e;
    double least = std::numeric_limits<double>::infinity();
    stats::Verdict least_verdict = stats::Verdict::holds;
    std::vector<double> g;
    std::vector<double> dof;
    for (int l = 1; l <= depth; ++l) {
      const auto ul = static_cast<std::size_t>(l);
      const double nu = factor * static_cast<double>(ctx.config.widths[ul]);
      for (const std::vector<double>& r : gains) {
        g.push_back(r[ul]);
        dof.push_back(nu);
      }
      const stats::ConfidenceInterval sum = stats::log_gain_sum_interval(g, dof, level);
      const stats::ConfidenceInterval ci{sum.lower / reps, sum.upper / reps, sum.estimate / reps,
                                         level, sum.n};
      const stats::Verdict v = safe_decide(ci, log_band);
      e.verdict = stats::combine(e.verdict, v);
      if (v == stats::Verdict::violated && e.first_violated == 0) e.first_violated = l;
      const double margin = std::min(ci.lower - log_band.lo, log_band.hi - ci.upper);
      if (e.depth <= 0 || reports_before(v, margin, least_verdict, least)) {
        least = margin;
        least_verdict = v;
        e.depth = l;
        e.ci = exp_interval(ci);
      }
    }
    s = e;
  }
  result.ci = s.ci;
  result.layer = s.depth;
  result.first_layer = s.first_violated > 0 ? s.first_violated : -1;
  if (ctx.trajectory && s.depth > 0) {
    const std::vector<double> p = predicted_forward_moments(*ctx.trajectory, ctx.config);
    result.predicted = p[static_cast<std::size_t>(s.depth)] / p[0];
  }
  finish(result);
  if (result.verdict == stats::Verdict::violated) {
    const double g = std::pow(result.measured, 1.0 / std::max(1, s.depth));
    if (!std::isfinite(result.measured) || result.measured == 0.0) {
      result.advice = "activations " +
                      std::string(result.measured == 0.0 ? "vanish to 0" : "overflow") +
                      " by layer " + std::to_string(s.depth) + "; " + gain_advice(ctx.config, g);
    } else {
      result.advice = gain_advice(ctx.config, g);
    }
  }
  return result;
}

}  // namespace initcheck::claims::detail
