#pragma once
/// A transformer block built from the nn kernels: the reference forward and backward that the
/// engine's `--arch transformer` is to run, one stored tensor at a time so the caller can round
/// and measure each (BlockTensorSink).
///
/// Shapes (layers.hpp layout; N = B·T columns, one per token; d = width, m = hidden, usually
/// mlp_ratio·d): x and the output are d × N; weights W_qkv 3d × d (rows: W_q, then W_k, then
/// W_v), W_o d × d, W_1 m × d, W_2 d × m; no biases; LayerNorm per token without affine
/// parameters (γ = 1, β = 0). Each of the two sub-blocks, with branch F and residual scale α:
///   pre-norm:  norm = LN(in),  sum = in + α·F(norm),  out = sum
///   post-norm: sum = in + α·F(in),  norm = LN(sum),   out = norm
/// (without the skip, `skip` false: sum = α·F(·) alone, "in +" dropped)
/// with F_attn(u) = W_o·attention(W_q u, W_k u, W_v u) (attention.hpp) first, then
/// F_mlp(u) = W_2·φ(W_1 u) on the attention sub-block's output.

#include <Eigen/Core>
#include <cstdint>
#include <string_view>

#include "initcheck/nn/activation.hpp"
#include "initcheck/nn/attention.hpp"
#include "initcheck/nn/layers.hpp"

namespace initcheck::nn {

struct TransformerBlockShape {
  std::int64_t width = 512;    ///< d, the residual stream's features
  std::int64_t heads = 8;      ///< H; must divide d
  std::int64_t hidden = 2048;  ///< m, the MLP branch's hidden width
  std::int64_t tokens = 128;   ///< T, tokens per sequence
  std::int64_t sequences = 1;  ///< B
  bool pre_norm = true;        ///< LayerNorm before each branch (else after each residual add)
  bool causal = false;         ///< causal mask in the attention
  double branch_scale = 1.0;   ///< α, the residual branches' scale
  bool skip = true;            ///< the residual skip "in +" of each sub-block's sum
  double eps = 1e-5;           ///< LayerNorm ε
  Activation activation{ActivationKind::gelu, 0.0};  ///< φ of the MLP branch

  [[nodiscard]] std::int64_t columns() const { return sequences * tokens; }  ///< N = B·T
  /// The attention geometry of `count` sequences.
  [[nodiscard]] AttentionShape attention(std::int64_t count) const;
  /// Throws InputError naming the problem unless every entry is valid.
  void validate() const;
};

/// The stored tensors of the forward pass, in the order they are computed (post-norm computes
/// each sub-block's sum before its norm).
enum class BlockTensor {
  attn_norm,  ///< d × N: LN of the attention sub-block (pre: of x; post: of attn_sum)
  q,          ///< d × N: W_q·u
  k,          ///< d × N: W_k·u
  v,          ///< d × N: W_v·u
  attention,  ///< d × N: attention(q, k, v)
  attn_proj,  ///< d × N: W_o·attention, the branch before α
  attn_sum,   ///< d × N: the residual sum of the attention sub-block
  mlp_norm,   ///< d × N: LN of the MLP sub-block (pre: of its input; post: of mlp_sum)
  mlp_up,     ///< m × N: W_1·u, the pre-activation
  mlp_act,    ///< m × N: φ(mlp_up)
  mlp_down,   ///< d × N: W_2·mlp_act, the branch before α
  mlp_sum,    ///< d × N: the residual sum of the MLP sub-block
};
inline constexpr int kBlockTensorCount = 12;
/// Snake-case name of a tensor, e.g. "attn_norm".
[[nodiscard]] std::string_view block_tensor_name(BlockTensor tensor);

/// Receives each stored tensor of the forward pass right after it is computed and before
/// anything reads it: the place to round it in place (low-precision storage) and take its
/// statistics. Gets the columns of the sequences being computed (contiguous: outer stride =
/// rows).
class BlockTensorSink {
 public:
  BlockTensorSink() = default;
  BlockTensorSink(const BlockTensorSink&) = default;
  BlockTensorSink& operator=(const BlockTensorSink&) = default;
  BlockTensorSink(BlockTensorSink&&) = default;
  BlockTensorSink& operator=(BlockTensorSink&&) = default;
  virtual ~BlockTensorSink() = default;
  virtual void store(BlockTensor tensor, MatRef values) = 0;
};

/// Views of the forward pass's tensors in one caller-owned float buffer (no allocation); the
/// backward pass reads them.
class TransformerBlockTensors {
 public:
  using MatMap = Eigen::Map<Eigen::MatrixXf>;
  using VecMap = Eigen::Map<Eigen::VectorXf>;
  /// Floats of `storage` a block of this shape needs.
  static std::int64_t storage_size(const TransformerBlockShape& shape);
  /// `storage` holds storage_size(shape) floats and outlives this object.
  TransformerBlockTensors(const TransformerBlockShape& shape, float* storage);

  MatMap attn_norm, q, k, v, attention, attn_proj, attn_sum;
  MatMap mlp_norm, mlp_up, mlp_act, mlp_down, mlp_sum;
  VecMap attn_norm_mean, attn_norm_inv_std, mlp_norm_mean, mlp_norm_inv_std;  ///< N each
  bool pre_norm;

  /// The block's output: mlp_sum (pre-norm) or mlp_norm (post-norm).
  [[nodiscard]] const MatMap& output() const { return pre_norm ? mlp_sum : mlp_norm; }
};

struct TransformerBlockWeights {
  ConstMatRef qkv;   ///< W_qkv, 3d × d
  ConstMatRef out;   ///< W_o, d × d
  ConstMatRef up;    ///< W_1, m × d
  ConstMatRef down;  ///< W_2, d × m
};

struct TransformerBlockGrads {
  MatRef qkv, out, up, down;  ///< ∂L/∂W, shaped like the weights
  MatRef input;               ///< ∂L/∂x, d × N
};

/// Floats of workspace transformer_block_forward needs.
[[nodiscard]] std::int64_t transformer_forward_workspace_size(const TransformerBlockShape& shape);
/// Floats of workspace transformer_block_backward needs.
[[nodiscard]] std::int64_t transformer_backward_workspace_size(const TransformerBlockShape& shape);

/// Forward pass of sequences [first_sequence, first_sequence + sequence_count) (count −1: to
/// the last): writes their columns of `tensors` and calls `sink` (if any) on each. A column's
/// values do not depend on which other sequences share the call, so threads can take disjoint
/// sequence ranges with their own workspaces. Throws InputError for an invalid shape,
/// std::invalid_argument for matrices, a range or a workspace that do not fit it.
void transformer_block_forward(const TransformerBlockShape& shape,
                               const TransformerBlockWeights& weights, const ConstMatRef& x,
                               TransformerBlockTensors& tensors, VecRef workspace,
                               BlockTensorSink* sink = nullptr, std::int64_t first_sequence = 0,
                               std::int64_t sequence_count = -1);

/// Backward pass of all sequences for L with ∂L/∂output = grad_output, from the tensors of a
/// forward pass over all of them (as stored, e.g. rounded by the sink).
void transformer_block_backward(const TransformerBlockShape& shape,
                                const TransformerBlockWeights& weights, const ConstMatRef& x,
                                const TransformerBlockTensors& tensors,
                                const ConstMatRef& grad_output, TransformerBlockGrads grads,
                                VecRef workspace);

}  // namespace initcheck::nn
