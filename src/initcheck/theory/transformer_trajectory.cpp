#include "initcheck/theory/transformer_trajectory.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "initcheck/core/error.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/model/transformer_shape.hpp"
#include "initcheck/theory/gaussian_expectation.hpp"

namespace initcheck::theory {
namespace {

constexpr int kLayers = model::kTransformerBlockLayers;

/// Attention geometry: each query's visible keys n_i, κ(s²) (self_weight) and κ_o, the uniform
/// weights' mean overlap |S_i ∩ S_k|/(n_i n_k) over query pairs i ≠ k.
struct AttentionGeometry {
  std::vector<double> visible;  ///< n_i per query
  double pair_overlap = 0.0;

  AttentionGeometry(std::int64_t tokens, bool causal) {
    const auto t = static_cast<double>(tokens);
    for (std::int64_t i = 0; i < tokens; ++i) {
      visible.push_back(causal ? static_cast<double>(i + 1) : t);
    }
    if (tokens < 2) return;
    if (!causal) {
      pair_overlap = 1.0 / t;
      return;
    }
    // Queries i < k (0-based) share keys 0..i: overlap (i+1)/((i+1)(k+1)) = 1/(k+1).
    double sum = 0.0;
    for (std::int64_t k = 1; k < tokens; ++k) {
      sum += static_cast<double>(k) / static_cast<double>(k + 1);
    }
    pair_overlap = sum / (t * (t - 1.0) / 2.0);
  }

  /// Mean over queries of E[Σ_j p_ij²], p_i· = softmax of scores iid N(0, s²) over the query's
  /// n keys. Exact up to quadrature: with 1/x² = ∫₀^∞ t·e^{−tx} dt,
  ///   E[Σ_j p_j²] = n·∫₀^∞ t·A(t)·B(t)^{n−1} dt,  A(t) = E[e^{2sZ − t·e^{sZ}}],
  ///   B(t) = E[e^{−t·e^{sZ}}],
  /// evaluated by the trapezoid rule in u = log t (smooth, decaying at both ends: spectrally
  /// accurate) with A and B by Gaussian quadrature.
  [[nodiscard]] double self_weight(double score_variance) const {
    const double s2 = std::min(std::max(score_variance, 0.0), 400.0);
    const double s = std::sqrt(s2);
    const double n_max = visible.empty() ? 1.0 : *std::max_element(visible.begin(), visible.end());
    if (n_max <= 1.0) return 1.0;  // one visible key: p = 1
    // Below t ≈ 1/(n·e^{s²/2}) the integrand is at most e^{2u + 2s²} (A ≤ E[e^{2sZ}]), so
    // starting s² + 20 lower leaves < e^{−s²−40} of it; above, it falls like a Gaussian of width
    // s in u (the log-normal tail of A): 20 + 10s leaves < 1e-8.
    constexpr double kStep = 0.2;
    const double u_lo = -std::log(n_max) - 1.5 * s2 - 20.0;
    const double u_hi = -s2 / 2.0 + 20.0 + 10.0 * s;
    std::vector<double> weight;  // h·e^{2u}·A(e^u)
    std::vector<double> log_b;   // log B(e^u)
    for (double u = u_lo; u <= u_hi; u += kStep) {
      const double t = std::exp(u);
      const ScalarFunction a = [&](double z) {
        const double e = 2.0 * s * z - t * std::exp(std::min(s * z, 700.0));
        return e < -700.0 ? 0.0 : std::exp(e);
      };
      const ScalarFunction b = [&](double z) {
        const double e = t * std::exp(std::min(s * z, 700.0));
        return e > 700.0 ? 0.0 : std::exp(-e);
      };
      weight.push_back(kStep * std::exp(2.0 * u) * gaussian_expectation(a, 0.0, 1.0));
      log_b.push_back(std::log(std::max(gaussian_expectation(b, 0.0, 1.0), 1e-300)));
    }
    double sum = 0.0;
    double last_n = -1.0;
    double last = 0.0;
    for (double n : visible) {
      if (n != last_n) {
        double integral = 0.0;
        for (std::size_t k = 0; k < weight.size(); ++k) {
          integral += weight[k] * std::exp((n - 1.0) * log_b[k]);
        }
        last = n <= 1.0 ? 1.0 : std::clamp(n * integral, 1.0 / n, 1.0);
        last_n = n;
      }
      sum += last;
    }
    return sum / static_cast<double>(visible.size());
  }
};

double weight_second_moment(const model::NetworkConfig& config, int layer) {
  const init::WeightLaw law = config.init->weight_law(model::layer_fan(config, layer));
  return law.variance + law.mean * law.mean;
}

/// (E[φ(h)²], E[φ(h_i)φ(h_k)]) for h ~ N(0, q) per token, token correlation rho.
std::pair<double, double> activation_pair(const nn::Activation& act, double q, double rho) {
  const double self = activation_second_moment(act, q);
  const ScalarFunction phi = [&act](double x) { return act.value(x); };
  const std::vector<double> kinks =
      act.has_kink_at_zero() ? std::vector<double>{0.0} : std::vector<double>{};
  const double cross =
      correlated_product_expectation(phi, phi, q, q, std::clamp(rho, -1.0, 1.0), kinks, kinks);
  return {self, cross};
}

}  // namespace

std::vector<TransformerBlockMoments> transformer_block_moments(const model::NetworkConfig& config) {
  if (config.arch != model::Architecture::transformer) {
    throw InputError("theory: transformer_block_moments needs --arch transformer");
  }
  config.validate();
  const nn::TransformerBlockShape shape = model::transformer_block_shape(config);
  const auto d = static_cast<double>(shape.width);
  const auto m = static_cast<double>(shape.hidden);
  const double a2 = shape.branch_scale * shape.branch_scale;
  const double eps = shape.eps;
  const double k = shape.skip ? 1.0 : 0.0;  // the skip's weight in each sum
  const AttentionGeometry geometry(shape.tokens, shape.causal);
  const bool single = shape.tokens < 2;  // no token pairs

  double q = input_second_moment(config);
  double c = 0.0;
  std::vector<TransformerBlockMoments> out;
  for (int b = 0; b < config.depth(); ++b) {
    TransformerBlockMoments bm;
    bm.stream_in = q;
    bm.token_correlation = single || q <= 0.0 ? 0.0 : c / q;
    const double w_qkv = weight_second_moment(config, b * kLayers);
    const double w_o = weight_second_moment(config, b * kLayers + 1);
    const double w_1 = weight_second_moment(config, b * kLayers + 2);
    const double w_2 = weight_second_moment(config, b * kLayers + 3);

    // Attention sub-block on u = LN(x) (pre) or x (post).
    const double rho = bm.token_correlation;
    const double u2 = shape.pre_norm ? q / (q + eps) : q;
    bm.value = w_qkv * d * u2;
    bm.score_variance = bm.value * bm.value * (1.0 - rho);
    bm.self_weight = geometry.self_weight(bm.score_variance);
    bm.attention = bm.value * (rho + (1.0 - rho) * bm.self_weight);
    const double attention_cross = bm.value * (rho + (1.0 - rho) * geometry.pair_overlap);
    bm.attn_proj = w_o * d * bm.attention;
    q = k * q + a2 * bm.attn_proj;
    c = k * c + a2 * w_o * d * attention_cross;
    if (!shape.pre_norm) {  // LN of the sum
      c /= q + eps;
      q /= q + eps;
    }

    // MLP sub-block.
    const double rho_u = single || q <= 0.0 ? 0.0 : c / q;
    const double v2 = shape.pre_norm ? q / (q + eps) : q;
    bm.mlp_up = w_1 * d * v2;
    const auto [act_self, act_cross] = activation_pair(shape.activation, bm.mlp_up, rho_u);
    bm.mlp_act = act_self;
    bm.mlp_down = w_2 * m * act_self;
    q = k * q + a2 * bm.mlp_down;
    c = k * c + a2 * w_2 * m * act_cross;
    if (!shape.pre_norm) {
      c /= q + eps;
      q /= q + eps;
    }
    bm.stream_out = q;
    out.push_back(bm);
  }
  return out;
}

PredictedTrajectory predict_transformer_trajectory(const model::NetworkConfig& config) {
  const std::vector<TransformerBlockMoments> blocks = transformer_block_moments(config);
  const nn::TransformerBlockShape shape = model::transformer_block_shape(config);
  const auto d = static_cast<double>(shape.width);
  const auto m = static_cast<double>(shape.hidden);
  const double a2 = shape.branch_scale * shape.branch_scale;
  const double k = shape.skip ? 1.0 : 0.0;  // the skip's weight in each sum
  PredictedTrajectory t;
  t.input_second_moment = input_second_moment(config);
  for (int b = 0; b < config.depth(); ++b) {
    const TransformerBlockMoments& bm = blocks[static_cast<std::size_t>(b)];
    const double u2 = shape.pre_norm ? bm.stream_in / (bm.stream_in + shape.eps) : bm.stream_in;
    const double inputs[] = {u2, bm.attention, 0.0, bm.mlp_act};
    const double pre[] = {bm.value, bm.attn_proj, bm.mlp_up, bm.mlp_down};
    for (int j = 0; j < kLayers; ++j) {
      const int l = b * kLayers + j;
      const FanInfo fan = model::layer_fan(config, l);
      const init::WeightLaw law = config.init->weight_law(fan);
      LayerPrediction p;
      p.index = l;
      p.block = b;
      p.activated = j == 2;
      p.fan_in = fan.fan_in();
      p.weight_variance = law.variance;
      p.weight_mean = law.mean;
      p.input_second_moment =
          j == 2 ? bm.mlp_up / (weight_second_moment(config, l) * d) : inputs[j];
      p.pre_second_moment = pre[j];
      p.norm_second_moment = pre[j];
      p.post_second_moment = j == 2 ? bm.mlp_act : pre[j];
      p.post_mean = j == 2 ? activation_mean(shape.activation, bm.mlp_up) : 0.0;
      p.gain = p.input_second_moment > 0.0 ? p.post_second_moment / p.input_second_moment : 0.0;
      t.layers.push_back(p);
    }
    BlockPrediction bp;
    bp.index = b;
    bp.branch_input_second_moment = u2;
    bp.branch_second_moment = bm.mlp_down;
    bp.sum_second_moment = shape.pre_norm ? bm.stream_out : k * bm.stream_in + a2 * bm.attn_proj;
    bp.stream_second_moment = bm.stream_out;
    bp.gain = bm.stream_in > 0.0 ? bm.stream_out / bm.stream_in : 0.0;
    t.blocks.push_back(bp);
  }
  t.output_second_moment = blocks.empty() ? t.input_second_moment : blocks.back().stream_out;

  // Backward (value paths only, see the header).
  double g = 1.0;
  for (int b = config.depth() - 1; b >= 0; --b) {
    const TransformerBlockMoments& bm = blocks[static_cast<std::size_t>(b)];
    BlockPrediction& bp = t.blocks[static_cast<std::size_t>(b)];
    bp.grad_stream_sq = g;
    const double before = g;
    const double w_qkv = weight_second_moment(config, b * kLayers);
    const double w_o = weight_second_moment(config, b * kLayers + 1);
    const double w_1 = weight_second_moment(config, b * kLayers + 2);
    const double w_2 = weight_second_moment(config, b * kLayers + 3);
    const double mlp_jacobian =
        w_2 * d * derivative_second_moment(shape.activation, bm.mlp_up) * w_1 * m;
    // Value path; the gradients' token correlation is taken to be the stream's (ρ), the
    // forward pass's averaging applied backwards.
    const double rho = bm.token_correlation;
    const double attn_jacobian = w_o * d * (rho + (1.0 - rho) * bm.self_weight) * w_qkv * d;
    const double q_mid = bm.stream_in + a2 * bm.attn_proj;  // pre: the MLP's input stream
    if (!shape.skip) {
      // No backward model: the stream's tokens collapse (ρ → 1) while the upstream gradients
      // stay independent per token, against this model's assumption (measured ×0.07 over 12
      // post-LN blocks where it would say ×1.07). Neutral placeholders (backward_predicted).
      t.backward_predicted = false;
    } else if (shape.pre_norm) {
      g *= 1.0 + a2 * mlp_jacobian / (q_mid + shape.eps);
      g *= 1.0 + a2 * attn_jacobian / (bm.stream_in + shape.eps);
    } else {
      const double q_sum2 = 1.0 + a2 * bm.mlp_down;  // the MLP's input is LN'd (q = 1)
      g *= (1.0 + a2 * mlp_jacobian) / (q_sum2 + shape.eps);
      g *= (1.0 + a2 * attn_jacobian) / (q_mid + shape.eps);
    }
    bp.backward_gain = g / before;
  }
  t.grad_input_sq = g;
  return t;
}

}  // namespace initcheck::theory
