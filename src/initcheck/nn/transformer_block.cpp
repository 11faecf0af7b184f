// Transformer block forward / backward (transformer_block.hpp). The four projections run on
// gemm_column_groups with one group per sequence, so a token's values do not depend on which
// other sequences share the call; everything else is per token or per sequence already.

#include "initcheck/nn/transformer_block.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>

#include "initcheck/core/error.hpp"
#include "initcheck/nn/gemm.hpp"

namespace initcheck::nn {
namespace {

using Eigen::Index;
using MatMap = TransformerBlockTensors::MatMap;
using VecMap = TransformerBlockTensors::VecMap;

/// Sequences per gemm_column_groups call (the packed weight panels are shared by them).
constexpr Index kSequencesPerGemm = 16;

/// c = a·b with one column group per sequence of `tokens` columns.
void project(const ConstMatRef& a, const ConstMatRef& b, MatRef c, Index tokens) {
  std::array<Index, kSequencesPerGemm + 1> starts{};
  for (std::size_t g = 0; g < starts.size(); ++g) starts[g] = static_cast<Index>(g) * tokens;
  const Index sequences = b.cols() / tokens;
  for (Index s0 = 0; s0 < sequences; s0 += kSequencesPerGemm) {
    const auto groups = static_cast<int>(std::min(kSequencesPerGemm, sequences - s0));
    const Index cols = groups * tokens;
    gemm_column_groups(a, b.middleCols(s0 * tokens, cols), c.middleCols(s0 * tokens, cols),
                       std::span<const Index>(starts.data(), static_cast<std::size_t>(groups) + 1),
                       0, groups);
  }
}

/// sum = in + α·branch, or α·branch alone without the skip.
void residual_add(const ConstMatRef& in, const ConstMatRef& branch, float alpha, bool skip,
                  MatRef sum) {
  if (skip) {
    sum.noalias() = in + alpha * branch;
  } else {
    sum.noalias() = alpha * branch;
  }
}

void check_matrix(const ConstMatRef& m, Index rows, Index cols, const char* what) {
  if (m.rows() != rows || m.cols() != cols) {
    throw std::invalid_argument(std::string("transformer block: ") + what + " is " +
                                std::to_string(m.rows()) + " × " + std::to_string(m.cols()) +
                                ", expected " + std::to_string(rows) + " × " +
                                std::to_string(cols));
  }
}

void check_weights(const TransformerBlockShape& s, const TransformerBlockWeights& w) {
  check_matrix(w.qkv, 3 * s.width, s.width, "W_qkv");
  check_matrix(w.out, s.width, s.width, "W_o");
  check_matrix(w.up, s.hidden, s.width, "W_1");
  check_matrix(w.down, s.width, s.hidden, "W_2");
}

void check_tensors(const TransformerBlockShape& s, const TransformerBlockTensors& t) {
  check_matrix(t.q, s.width, s.columns(), "tensors (q)");
  check_matrix(t.mlp_up, s.hidden, s.columns(), "tensors (mlp_up)");
  if (t.pre_norm != s.pre_norm) {
    throw std::invalid_argument("transformer block: tensors built for the other norm placement");
  }
}

void layernorm(const ConstMatRef& z, double eps, MatRef y, VecMap& mean, VecMap& inv_std, Index c0,
               Index n) {
  layernorm_forward(z, eps, 1, y, mean.segment(c0, n), inv_std.segment(c0, n));
}

}  // namespace

AttentionShape TransformerBlockShape::attention(std::int64_t count) const {
  return {heads, width / heads, tokens, count, causal};
}

void TransformerBlockShape::validate() const {
  if (width < 1 || heads < 1 || hidden < 1 || tokens < 1 || sequences < 1) {
    throw InputError(
        "transformer block: width, heads, hidden width, tokens and sequences must be "
        "positive");
  }
  if (width % heads != 0) {
    throw InputError("transformer block: heads (" + std::to_string(heads) +
                     ") must divide the width (" + std::to_string(width) + ")");
  }
  if (!std::isfinite(branch_scale) || !std::isfinite(eps) || eps < 0.0) {
    throw InputError("transformer block: residual scale must be finite and eps finite and >= 0");
  }
}

std::string_view block_tensor_name(BlockTensor tensor) {
  static constexpr std::array<std::string_view, kBlockTensorCount> kNames = {
      "attn_norm", "q",        "k",      "v",       "attention", "attn_proj",
      "attn_sum",  "mlp_norm", "mlp_up", "mlp_act", "mlp_down",  "mlp_sum"};
  return kNames.at(static_cast<std::size_t>(tensor));
}

std::int64_t TransformerBlockTensors::storage_size(const TransformerBlockShape& shape) {
  const std::int64_t n = shape.columns();
  return (10 * shape.width + 2 * shape.hidden + 4) * n;
}

namespace {
/// Returns p and advances it by `floats`.
float* take(float*& p, std::int64_t floats) {
  float* start = p;
  p += floats;
  return start;
}
}  // namespace

TransformerBlockTensors::TransformerBlockTensors(const TransformerBlockShape& s, float* storage)
    : attn_norm(take(storage, s.width * s.columns()), s.width, s.columns()),
      q(take(storage, s.width * s.columns()), s.width, s.columns()),
      k(take(storage, s.width * s.columns()), s.width, s.columns()),
      v(take(storage, s.width * s.columns()), s.width, s.columns()),
      attention(take(storage, s.width * s.columns()), s.width, s.columns()),
      attn_proj(take(storage, s.width * s.columns()), s.width, s.columns()),
      attn_sum(take(storage, s.width * s.columns()), s.width, s.columns()),
      mlp_norm(take(storage, s.width * s.columns()), s.width, s.columns()),
      mlp_up(take(storage, s.hidden * s.columns()), s.hidden, s.columns()),
      mlp_act(take(storage, s.hidden * s.columns()), s.hidden, s.columns()),
      mlp_down(take(storage, s.width * s.columns()), s.width, s.columns()),
      mlp_sum(take(storage, s.width * s.columns()), s.width, s.columns()),
      attn_norm_mean(take(storage, s.columns()), s.columns()),
      attn_norm_inv_std(take(storage, s.columns()), s.columns()),
      mlp_norm_mean(take(storage, s.columns()), s.columns()),
      mlp_norm_inv_std(take(storage, s.columns()), s.columns()),
      pre_norm(s.pre_norm) {}

std::int64_t transformer_forward_workspace_size(const TransformerBlockShape& shape) {
  return shape.attention(1).workspace_size();
}

std::int64_t transformer_backward_workspace_size(const TransformerBlockShape& shape) {
  const std::int64_t n = shape.columns();
  return (7 * shape.width + 2 * shape.hidden) * n + shape.attention(1).workspace_size();
}

void transformer_block_forward(const TransformerBlockShape& shape,
                               const TransformerBlockWeights& weights, const ConstMatRef& x,
                               TransformerBlockTensors& tensors, VecRef workspace,
                               BlockTensorSink* sink, std::int64_t first_sequence,
                               std::int64_t sequence_count) {
  shape.validate();
  check_weights(shape, weights);
  check_matrix(x, shape.width, shape.columns(), "x");
  check_tensors(shape, tensors);
  if (sequence_count < 0) sequence_count = shape.sequences - first_sequence;
  if (first_sequence < 0 || sequence_count < 0 ||
      first_sequence + sequence_count > shape.sequences) {
    throw std::invalid_argument("transformer_block_forward: sequence range outside the batch");
  }
  if (workspace.size() < transformer_forward_workspace_size(shape)) {
    throw std::invalid_argument("transformer_block_forward: workspace too small");
  }
  if (sequence_count == 0) return;
  const Index tokens = shape.tokens;
  const Index d = shape.width;
  const Index c0 = first_sequence * tokens;
  const Index n = sequence_count * tokens;
  const auto alpha = static_cast<float>(shape.branch_scale);
  const bool pre = shape.pre_norm;
  TransformerBlockTensors& t = tensors;
  const auto cols = [&](MatMap& m) { return m.middleCols(c0, n); };
  const auto emit = [&](BlockTensor which, MatRef values) {
    if (sink != nullptr) sink->store(which, values);
  };

  // Attention sub-block.
  const ConstMatRef in = x.middleCols(c0, n);
  if (pre) {
    layernorm(in, shape.eps, cols(t.attn_norm), t.attn_norm_mean, t.attn_norm_inv_std, c0, n);
    emit(BlockTensor::attn_norm, cols(t.attn_norm));
  }
  const ConstMatRef attn_in = pre ? ConstMatRef(cols(t.attn_norm)) : in;
  project(weights.qkv.topRows(d), attn_in, cols(t.q), tokens);
  emit(BlockTensor::q, cols(t.q));
  project(weights.qkv.middleRows(d, d), attn_in, cols(t.k), tokens);
  emit(BlockTensor::k, cols(t.k));
  project(weights.qkv.bottomRows(d), attn_in, cols(t.v), tokens);
  emit(BlockTensor::v, cols(t.v));
  attention_forward(shape.attention(sequence_count), cols(t.q), cols(t.k), cols(t.v),
                    cols(t.attention), workspace);
  emit(BlockTensor::attention, cols(t.attention));
  project(weights.out, cols(t.attention), cols(t.attn_proj), tokens);
  emit(BlockTensor::attn_proj, cols(t.attn_proj));
  residual_add(in, cols(t.attn_proj), alpha, shape.skip, cols(t.attn_sum));
  emit(BlockTensor::attn_sum, cols(t.attn_sum));
  if (!pre) {
    layernorm(cols(t.attn_sum), shape.eps, cols(t.attn_norm), t.attn_norm_mean, t.attn_norm_inv_std,
              c0, n);
    emit(BlockTensor::attn_norm, cols(t.attn_norm));
  }

  // MLP sub-block on the attention sub-block's output u.
  const ConstMatRef u = pre ? cols(t.attn_sum) : cols(t.attn_norm);
  if (pre) {
    layernorm(u, shape.eps, cols(t.mlp_norm), t.mlp_norm_mean, t.mlp_norm_inv_std, c0, n);
    emit(BlockTensor::mlp_norm, cols(t.mlp_norm));
  }
  project(weights.up, pre ? ConstMatRef(cols(t.mlp_norm)) : u, cols(t.mlp_up), tokens);
  emit(BlockTensor::mlp_up, cols(t.mlp_up));
  activation_forward(shape.activation, cols(t.mlp_up), cols(t.mlp_act));
  emit(BlockTensor::mlp_act, cols(t.mlp_act));
  project(weights.down, cols(t.mlp_act), cols(t.mlp_down), tokens);
  emit(BlockTensor::mlp_down, cols(t.mlp_down));
  residual_add(u, cols(t.mlp_down), alpha, shape.skip, cols(t.mlp_sum));
  emit(BlockTensor::mlp_sum, cols(t.mlp_sum));
  if (!pre) {
    layernorm(cols(t.mlp_sum), shape.eps, cols(t.mlp_norm), t.mlp_norm_mean, t.mlp_norm_inv_std, c0,
              n);
    emit(BlockTensor::mlp_norm, cols(t.mlp_norm));
  }
}

void transformer_block_backward(const TransformerBlockShape& shape,
                                const TransformerBlockWeights& weights, const ConstMatRef& x,
                                const TransformerBlockTensors& tensors,
                                const ConstMatRef& grad_output, TransformerBlockGrads grads,
                                VecRef workspace) {
  shape.validate();
  check_weights(shape, weights);
  check_matrix(x, shape.width, shape.columns(), "x");
  check_tensors(shape, tensors);
  check_matrix(grad_output, shape.width, shape.columns(), "grad_output");
  check_matrix(grads.qkv, 3 * shape.width, shape.width, "grad W_qkv");
  check_matrix(grads.out, shape.width, shape.width, "grad W_o");
  check_matrix(grads.up, shape.hidden, shape.width, "grad W_1");
  check_matrix(grads.down, shape.width, shape.hidden, "grad W_2");
  check_matrix(grads.input, shape.width, shape.columns(), "grad x");
  if (workspace.size() < transformer_backward_workspace_size(shape)) {
    throw std::invalid_argument("transformer_block_backward: workspace too small");
  }
  const Index d = shape.width;
  const Index m = shape.hidden;
  const Index n = shape.columns();
  const auto alpha = static_cast<float>(shape.branch_scale);
  const bool pre = shape.pre_norm;
  const TransformerBlockTensors& t = tensors;
  float* cursor = workspace.data();
  MatMap g_sum(take(cursor, d * n), d, n);  // ∂L/∂(a residual sum)
  MatMap g_u(take(cursor, d * n), d, n);    // ∂L/∂(the attention sub-block's output)
  MatMap g_a(take(cursor, d * n), d, n);    // scratch: branch gradients
  MatMap g_b(take(cursor, d * n), d, n);    // scratch: LayerNorm backward results
  MatMap g_act(take(cursor, m * n), m, n);  // ∂L/∂mlp_act
  MatMap g_up(take(cursor, m * n), m, n);   // ∂L/∂mlp_up
  MatMap g_qkv(take(cursor, 3 * d * n), 3 * d, n);
  VecMap attention_ws(cursor, shape.attention(1).workspace_size());

  // MLP sub-block: ∂L/∂mlp_sum, then its branch, then ∂L/∂u.
  if (!pre) layernorm_backward(t.mlp_norm, t.mlp_norm_inv_std, 1, grad_output, g_sum);
  const ConstMatRef gs2 = pre ? grad_output : ConstMatRef(g_sum);
  const ConstMatRef u = pre ? t.attn_sum : t.attn_norm;
  const ConstMatRef mlp_in = pre ? ConstMatRef(t.mlp_norm) : u;
  gemm(alpha, gs2, false, t.mlp_act, true, 0.0f, grads.down);
  gemm(alpha, weights.down, true, gs2, false, 0.0f, g_act);
  activation_backward(shape.activation, t.mlp_up, g_act, g_up);
  gemm(1.0f, g_up, false, mlp_in, true, 0.0f, grads.up);
  gemm(1.0f, weights.up, true, g_up, false, 0.0f, g_a);
  if (pre) layernorm_backward(t.mlp_norm, t.mlp_norm_inv_std, 1, g_a, g_b);
  const ConstMatRef g_branch_in = pre ? ConstMatRef(g_b) : ConstMatRef(g_a);
  if (shape.skip) {
    g_u.noalias() = gs2 + g_branch_in;
  } else {
    g_u = g_branch_in;
  }

  // Attention sub-block: ∂L/∂attn_sum, its branch, then ∂L/∂x.
  if (!pre) layernorm_backward(t.attn_norm, t.attn_norm_inv_std, 1, g_u, g_sum);
  const ConstMatRef gs1 = pre ? ConstMatRef(g_u) : ConstMatRef(g_sum);
  const ConstMatRef attn_in = pre ? ConstMatRef(t.attn_norm) : x;
  gemm(alpha, gs1, false, t.attention, true, 0.0f, grads.out);
  gemm(alpha, weights.out, true, gs1, false, 0.0f, g_a);
  attention_backward(shape.attention(shape.sequences), t.q, t.k, t.v, g_a, g_qkv.topRows(d),
                     g_qkv.middleRows(d, d), g_qkv.bottomRows(d), attention_ws);
  gemm(1.0f, g_qkv, false, attn_in, true, 0.0f, grads.qkv);
  gemm(1.0f, weights.qkv, true, g_qkv, false, 0.0f, g_b);
  if (pre) layernorm_backward(t.attn_norm, t.attn_norm_inv_std, 1, g_b, g_a);
  const ConstMatRef g_attn_in = pre ? ConstMatRef(g_a) : ConstMatRef(g_b);
  if (shape.skip) {
    grads.input.noalias() = gs1 + g_attn_in;
  } else {
    grads.input = g_attn_in;
  }
}

}  // namespace initcheck::nn
