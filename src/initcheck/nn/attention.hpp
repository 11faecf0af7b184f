#pragma once
/// Multi-head scaled dot-product self-attention (Vaswani et al. 2017) on the nn layout.
///
/// Layout (layers.hpp): Q, K, V and the output are d × (B·T) float matrices, one column per
/// token; sequence b owns columns [b·T, (b+1)·T), head h owns rows [h·d_h, (h+1)·d_h), d = H·d_h.
/// For each sequence and head, with q_i, k_j, v_j that head's columns of Q, K, V:
///   s_ij = q_i·k_j / √d_h,   p_ij = exp(s_ij) / Σ_j' exp(s_ij'),   out_i = Σ_j p_ij v_j,
/// the sums running over j ≤ i only when `causal`. The softmax is evaluated in fp32 with the
/// query's largest score subtracted first (no overflow for finite scores); p_ij is exactly 0 once
/// s_ij is more than 87 below that maximum. Nothing allocates: the T × T matrices live in a
/// caller-provided workspace. Results are deterministic, and a token's output depends only on
/// its own sequence (not on which other sequences share the call).

#include <cstdint>

#include "initcheck/nn/layers.hpp"

namespace initcheck::nn {

/// Geometry of one attention call.
struct AttentionShape {
  std::int64_t heads = 1;
  std::int64_t head_dim = 1;   ///< d_h
  std::int64_t tokens = 1;     ///< T, tokens per sequence
  std::int64_t sequences = 1;  ///< B
  bool causal = false;         ///< token i attends to tokens j ≤ i only

  [[nodiscard]] std::int64_t width() const { return heads * head_dim; }      ///< d
  [[nodiscard]] std::int64_t columns() const { return sequences * tokens; }  ///< B·T
  /// Floats of workspace attention_forward and attention_backward need (2·T²).
  [[nodiscard]] std::int64_t workspace_size() const { return 2 * tokens * tokens; }
};

/// out = attention(q, k, v); q, k, v, out: d × B·T (strided row blocks of one Q/K/V matrix are
/// fine). Throws InputError for a non-positive shape entry, std::invalid_argument for matrices
/// or a workspace that do not fit the shape.
void attention_forward(const AttentionShape& shape, const ConstMatRef& q, const ConstMatRef& k,
                       const ConstMatRef& v, MatRef out, VecRef workspace);

/// The attention weights of one sequence and head: probs(j, i) = p_ij (T × T), so column i is
/// query i's distribution over the keys (sums to 1; entries j > i are 0 when causal).
void attention_probabilities(const AttentionShape& shape, const ConstMatRef& q,
                             const ConstMatRef& k, std::int64_t sequence, std::int64_t head,
                             MatRef probs);

/// Gradients of L with ∂L/∂out = grad_out w.r.t. q, k and v (same shapes). The weights p are
/// recomputed from q and k, so no T × T state is kept between the passes.
void attention_backward(const AttentionShape& shape, const ConstMatRef& q, const ConstMatRef& k,
                        const ConstMatRef& v, const ConstMatRef& grad_out, MatRef grad_q,
                        MatRef grad_k, MatRef grad_v, VecRef workspace);

}  // namespace initcheck::nn
