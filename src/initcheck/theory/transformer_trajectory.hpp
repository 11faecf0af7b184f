#pragma once
/// Mean-field prediction for a stack of transformer blocks (`--arch transformer`,
/// nn/transformer_block.hpp). APPROXIMATE, unlike the mlp/conv/resnet oracle:
///
/// State per block: q = E[x²] per entry of the residual stream and c = E[x_i·x_k] averaged over
/// token pairs i ≠ k of a sequence (tokens start independent: c₀ = 0). Weight variances σ² come
/// from the init's weight_law of each layer (W_qkv, W_o, W_1, W_2 of model::layer_fan).
/// - LayerNorm: y = x/√(q + ε) (token means ≈ 0), so E[u²] = q/(q + ε), token correlation c/q.
/// - Attention ("averaging V over tokens"): the scores have variance s² = (σ_q²d)(σ_k²d)·(1 − ρ)
///   for unit inputs with token correlation ρ; query i's weights over its n_i visible keys are
///   treated as softmax of iid N(0, s²) scores (the approximation: scores of one query are
///   neither independent nor Gaussian exactly, and values are taken independent of the weights),
///   E[Σ_j p_ij²] by an exact integral for that model, and the values' cross-token
///   correlation ρ adds ρ·E[v²]: E[a²] = E[v²]·(ρ + (1 − ρ)·κ), κ the mean of Σ_j p_ij² over
///   queries; pairs of queries share (ρ + (1 − ρ)·κ_o)·E[v²], κ_o = mean over pairs of
///   |S_i ∩ S_k|/(n_i n_k) for uniform weights (1/T without mask).
/// - MLP: h = W_1 u ~ N(0, σ_1²d·E[u²]) per token, pairs of tokens with correlation ρ:
///   E[m²] = σ_2²m·E[φ(h)²], cross-token σ_2²m·E[φ(h_i)φ(h_k)] (Gaussian quadrature).
/// - pre-LN: q ← q + α²(E[o²]) then q ← q + α²E[m²]: additive growth q_L ≈ q₀ + α²(v_attn +
///   v_mlp)·L; post-LN: the sum is renormalized after each sub-block (q = 1 up to ε).
/// - backward (rougher still): per sub-block E[(∂L/∂x)²] gains 1 + α²·G, G the branch's
///   Jacobian gain through the value path only, the gradients' token correlation taken equal to
///   the stream's; divided by q where a LayerNorm precedes the branch (pre) or the sum passes
///   through one (post: ×1/q_sum). The query/key paths are neglected (small only when s² ≪ 1):
///   for lecun_normal blocks (s² ≈ 1) the measured gradient gain is several times the
///   prediction at depth 48. No claim compares with it (`gradient` checks its band on
///   measured values; the prediction is shown, not tested).
/// Cross terms between the stream and a branch vanish for zero-mean weights.
/// Without the skip (NetworkConfig::skip false) each sum is the branch alone: q ← α²·E[o²]
/// (and c likewise); there is no backward model then (PredictedTrajectory::backward_predicted).

#include <vector>

#include "initcheck/model/network_config.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::theory {

/// Predicted moments inside transformer block b (per entry, averaged over tokens).
struct TransformerBlockMoments {
  double stream_in = 0.0;          ///< E[x²] of the block input
  double token_correlation = 0.0;  ///< c/q of the block input
  double value = 0.0;              ///< E[v²]
  double score_variance = 0.0;     ///< s² of the attention scores
  double self_weight = 0.0;        ///< κ = mean over queries of E[Σ_j p_ij²]
  double attention = 0.0;          ///< E[a²], a = attention output
  double attn_proj = 0.0;          ///< E[o²], o = W_o a
  double mlp_up = 0.0;             ///< E[h²], h = W_1 u
  double mlp_act = 0.0;            ///< E[φ(h)²]
  double mlp_down = 0.0;           ///< E[m²]
  double stream_out = 0.0;         ///< E[x²] of the block output
};

/// The per-block moments of a transformer config (throws InputError for another architecture).
std::vector<TransformerBlockMoments> transformer_block_moments(const model::NetworkConfig& config);

/// The trajectory of a transformer config: 4 LayerPredictions per block (W_qkv: v; W_o; W_1
/// with φ; W_2) and a BlockPrediction per block (branch = the MLP branch W_2 φ(W_1 u)).
PredictedTrajectory predict_transformer_trajectory(const model::NetworkConfig& config);

}  // namespace initcheck::theory
