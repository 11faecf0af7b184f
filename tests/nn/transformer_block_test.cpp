// Transformer block (pre- and post-norm): forward vs a double-precision reference, gradients
// of the four weights and the input vs central differences, the sink's order and in-place
// effect, and sequence ranges that give the same bits as one call.

#include "initcheck/nn/transformer_block.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gradient_check.hpp"
#include "initcheck/core/error.hpp"

namespace initcheck::nn {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::MatrixXf;
using Eigen::VectorXf;
using testing::normal;

TransformerBlockShape small_shape(bool pre_norm, bool causal) {
  TransformerBlockShape s;
  s.width = 8;
  s.heads = 2;
  s.hidden = 16;
  s.tokens = 5;
  s.sequences = 2;
  s.pre_norm = pre_norm;
  s.causal = causal;
  s.branch_scale = 0.7;
  return s;
}

/// Weights with Var = 1/fan_in, x ~ N(0, 1).
struct Problem {
  MatrixXf w_qkv, w_o, w_1, w_2, x;
  Problem(const TransformerBlockShape& s, std::uint64_t seed) {
    rng::Engine e(seed);
    const double sd = 1.0 / std::sqrt(static_cast<double>(s.width));
    w_qkv = normal(e, 3 * s.width, s.width, sd);
    w_o = normal(e, s.width, s.width, sd);
    w_1 = normal(e, s.hidden, s.width, sd);
    w_2 = normal(e, s.width, s.hidden, 1.0 / std::sqrt(static_cast<double>(s.hidden)));
    x = normal(e, s.width, s.columns());
  }
  [[nodiscard]] TransformerBlockWeights weights() const { return {w_qkv, w_o, w_1, w_2}; }
};

/// Owns the tensors' storage and the workspace.
struct Buffers {
  VectorXf storage, workspace;
  TransformerBlockTensors tensors;
  explicit Buffers(const TransformerBlockShape& s)
      : storage(TransformerBlockTensors::storage_size(s)),
        workspace(transformer_forward_workspace_size(s)),
        tensors(s, storage.data()) {
    storage.setConstant(std::nanf(""));  // every read entry must have been written
  }
};

MatrixXf forward(const TransformerBlockShape& s, const Problem& p, const MatrixXf& x) {
  Buffers b(s);
  transformer_block_forward(s, p.weights(), x, b.tensors, b.workspace);
  return b.tensors.output();
}

// ---------------------------------------------------------------------------------------------
// Double-precision reference.
MatrixXd layernorm(const MatrixXd& z, double eps) {
  MatrixXd y(z.rows(), z.cols());
  for (Index j = 0; j < z.cols(); ++j) {
    const double mu = z.col(j).mean();
    const double var = (z.col(j).array() - mu).square().mean();
    y.col(j) = (z.col(j).array() - mu) / std::sqrt(var + eps);
  }
  return y;
}

MatrixXd attention(const AttentionShape& s, const MatrixXd& qkv) {
  const Index d = s.width();
  const Index dh = s.head_dim;
  const Index t_count = s.tokens;
  MatrixXd out(d, s.columns());
  for (Index b = 0; b < s.sequences; ++b) {
    for (Index h = 0; h < s.heads; ++h) {
      const MatrixXd q = qkv.block(h * dh, b * t_count, dh, t_count);
      const MatrixXd k = qkv.block(d + h * dh, b * t_count, dh, t_count);
      const MatrixXd v = qkv.block(2 * d + h * dh, b * t_count, dh, t_count);
      const MatrixXd scores = q.transpose() * k / std::sqrt(static_cast<double>(dh));
      for (Index i = 0; i < t_count; ++i) {
        const Index n = s.causal ? i + 1 : t_count;
        Eigen::VectorXd p =
            (scores.row(i).head(n).array() - scores.row(i).head(n).maxCoeff()).exp().transpose();
        out.block(h * dh, b * t_count + i, dh, 1) = v.leftCols(n) * (p / p.sum());
      }
    }
  }
  return out;
}

MatrixXd reference_block(const TransformerBlockShape& s, const Problem& p) {
  const double a = s.branch_scale;
  const auto attn_branch = [&](const MatrixXd& u) {
    return MatrixXd(p.w_o.cast<double>() *
                    attention(s.attention(s.sequences), p.w_qkv.cast<double>() * u));
  };
  const auto mlp_branch = [&](const MatrixXd& u) {
    const MatrixXd z = p.w_1.cast<double>() * u;
    return MatrixXd(p.w_2.cast<double>() *
                    z.unaryExpr([&](double v) { return s.activation.value(v); }));
  };
  const MatrixXd x = p.x.cast<double>();
  const double k = s.skip ? 1.0 : 0.0;  // the skip's weight
  if (s.pre_norm) {
    const MatrixXd u = k * x + a * attn_branch(layernorm(x, s.eps));
    return k * u + a * mlp_branch(layernorm(u, s.eps));
  }
  const MatrixXd u = layernorm(k * x + a * attn_branch(x), s.eps);
  return layernorm(k * u + a * mlp_branch(u), s.eps);
}

TEST(TransformerBlock, ForwardMatchesDoubleReference) {
  for (const bool pre : {true, false}) {
    for (const bool causal : {false, true}) {
      for (const char* act : {"gelu", "relu"}) {
        TransformerBlockShape s = small_shape(pre, causal);
        s.activation = Activation::parse(act);
        const Problem p(s, 201);
        const MatrixXd ref = reference_block(s, p);
        const MatrixXd err = (forward(s, p, p.x).cast<double>() - ref).cwiseAbs();
        // ≈ 8 fp32 stages, each a sum of ≤ 16 O(1) products (≤ 18u relative, worst case) with
        // gains ≤ 3 between stages (LayerNorm divides by a std ≈ 1): ≲ 8·3·18u ≈ 2.6e-5 per
        // unit of magnitude (observed: ≤ 4e-7); a wrong formula is off by ≥ 1e-2 (below).
        EXPECT_TRUE((err.array() <= 3e-5 * (1.0 + ref.cwiseAbs().array())).all())
            << "pre=" << pre << " causal=" << causal << " act=" << act
            << " max err=" << err.maxCoeff();
      }
    }
    // Without the skip (same tolerance: one fewer addition per sub-block).
    TransformerBlockShape s = small_shape(pre, false);
    s.skip = false;
    const Problem p(s, 205);
    const MatrixXd ref = reference_block(s, p);
    const MatrixXd err = (forward(s, p, p.x).cast<double>() - ref).cwiseAbs();
    EXPECT_TRUE((err.array() <= 3e-5 * (1.0 + ref.cwiseAbs().array())).all())
        << "no skip, pre=" << pre << " max err=" << err.maxCoeff();
    // Planted bug: the skip kept is far outside the tolerance.
    TransformerBlockShape kept = s;
    kept.skip = true;
    EXPECT_GT((forward(kept, p, p.x).cast<double>() - ref).cwiseAbs().maxCoeff(), 1e-2);
  }
  // Planted bug: α applied to one branch only is far outside the tolerance.
  const TransformerBlockShape s = small_shape(true, false);
  const Problem p(s, 202);
  TransformerBlockShape wrong = s;
  wrong.branch_scale = 1.0;
  const MatrixXd err = (forward(wrong, p, p.x).cast<double>() - reference_block(s, p)).cwiseAbs();
  EXPECT_GT(err.maxCoeff(), 1e-2);
}

TEST(TransformerBlock, GradientsMatchCentralDifferences) {
  for (const auto& [pre, skip] : {std::pair{true, true}, std::pair{false, true},
                                  std::pair{true, false}, std::pair{false, false}}) {
    TransformerBlockShape s = small_shape(pre, /*causal=*/!pre);
    s.skip = skip;
    Problem p(s, 203);
    rng::Engine e(204);
    const MatrixXf r = normal(e, s.width, s.columns());
    Buffers b(s);
    transformer_block_forward(s, p.weights(), p.x, b.tensors, b.workspace);
    MatrixXf g_qkv(3 * s.width, s.width);
    MatrixXf g_o(s.width, s.width);
    MatrixXf g_1(s.hidden, s.width);
    MatrixXf g_2(s.width, s.hidden);
    MatrixXf g_x(s.width, s.columns());
    VectorXf ws(transformer_backward_workspace_size(s));
    transformer_block_backward(s, p.weights(), p.x, b.tensors, r, {g_qkv, g_o, g_1, g_2, g_x}, ws);
    // L = Σ r ⊙ block(·); step 1e-2 on O(1) values: truncation O(h²) and the loss's float
    // noise (≈ 1e-6/h) stay below the 1e-3 relative tolerance. Without the skip the loss
    // curves more (post-norm W_qkv: 1.0e-3 off at h = 1e-2, 2e-5 at h = 5e-3): step 5e-3.
    const auto check = [&](const char* what, MatrixXf& param, const MatrixXf& grad) {
      const MatrixXf saved = param;
      testing::check_gradient(
          what, saved, grad, skip ? 1e-2 : 5e-3, 40,
          [&](const MatrixXf& value) {
            param = value;
            const double l = testing::weighted_sum(forward(s, p, p.x), r);
            param = saved;
            return l;
          },
          1e-3);
    };
    const std::string tag = std::string(pre ? "pre" : "post") + (skip ? "" : " no skip");
    check((tag + " W_qkv").c_str(), p.w_qkv, g_qkv);
    check((tag + " W_o").c_str(), p.w_o, g_o);
    check((tag + " W_1").c_str(), p.w_1, g_1);
    check((tag + " W_2").c_str(), p.w_2, g_2);
    check((tag + " x").c_str(), p.x, g_x);
  }
}

class RecordingSink : public BlockTensorSink {
 public:
  std::vector<std::pair<BlockTensor, Index>> seen;  ///< tensor and its rows
  BlockTensor zero = BlockTensor::attn_norm;
  bool zero_it = false;
  void store(BlockTensor tensor, MatRef values) override {
    seen.emplace_back(tensor, values.rows());
    if (zero_it && tensor == zero) values.setZero();
  }
};

TEST(TransformerBlock, SinkSeesEveryTensorInOrderBeforeItIsRead) {
  using enum BlockTensor;
  const std::vector<BlockTensor> pre_order = {attn_norm, q,         k,        v,
                                              attention, attn_proj, attn_sum, mlp_norm,
                                              mlp_up,    mlp_act,   mlp_down, mlp_sum};
  const std::vector<BlockTensor> post_order = {q,         k,        v,         attention,
                                               attn_proj, attn_sum, attn_norm, mlp_up,
                                               mlp_act,   mlp_down, mlp_sum,   mlp_norm};
  for (const bool pre : {true, false}) {
    const TransformerBlockShape s = small_shape(pre, false);
    const Problem p(s, 205);
    Buffers b(s);
    RecordingSink sink;
    transformer_block_forward(s, p.weights(), p.x, b.tensors, b.workspace, &sink);
    ASSERT_EQ(sink.seen.size(), static_cast<std::size_t>(kBlockTensorCount));
    for (std::size_t i = 0; i < sink.seen.size(); ++i) {
      EXPECT_EQ(sink.seen[i].first, (pre ? pre_order : post_order)[i]) << i;
      const bool hidden = sink.seen[i].first == mlp_up || sink.seen[i].first == mlp_act;
      EXPECT_EQ(sink.seen[i].second, hidden ? s.hidden : s.width)
          << block_tensor_name(sink.seen[i].first);
    }
  }
  // A sink that zeroes the attention branch makes the first residual sum exactly x.
  const TransformerBlockShape s = small_shape(true, false);
  const Problem p(s, 206);
  Buffers b(s);
  RecordingSink sink;
  sink.zero = attn_proj;
  sink.zero_it = true;
  transformer_block_forward(s, p.weights(), p.x, b.tensors, b.workspace, &sink);
  EXPECT_EQ(MatrixXf(b.tensors.attn_sum), p.x);
}

TEST(TransformerBlock, SequenceRangesGiveTheBitsOfOneCall) {
  for (const bool pre : {true, false}) {
    TransformerBlockShape s = small_shape(pre, true);
    s.sequences = 3;
    const Problem p(s, 207);
    Buffers all(s);
    transformer_block_forward(s, p.weights(), p.x, all.tensors, all.workspace);
    Buffers again(s);
    transformer_block_forward(s, p.weights(), p.x, again.tensors, again.workspace);
    EXPECT_EQ(all.storage, again.storage);  // deterministic (NaN-free: every entry written)
    Buffers split(s);
    transformer_block_forward(s, p.weights(), p.x, split.tensors, split.workspace, nullptr, 1);
    transformer_block_forward(s, p.weights(), p.x, split.tensors, split.workspace, nullptr, 0, 1);
    EXPECT_EQ(all.storage, split.storage) << "pre=" << pre;
  }
}

TEST(TransformerBlock, RejectsBadShapesNamingTheProblem) {
  TransformerBlockShape s = small_shape(true, false);
  s.heads = 3;
  try {
    s.validate();
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("heads (3) must divide the width (8)"), std::string::npos);
  }
  s = small_shape(true, false);
  s.tokens = 0;
  EXPECT_THROW(s.validate(), InputError);
  s = small_shape(true, false);
  s.branch_scale = std::nan("");
  EXPECT_THROW(s.validate(), InputError);

  s = small_shape(true, false);
  const Problem p(s, 208);
  Buffers b(s);
  const TransformerBlockWeights swapped{p.w_qkv, p.w_o, p.w_2, p.w_1};
  EXPECT_THROW(transformer_block_forward(s, swapped, p.x, b.tensors, b.workspace),
               std::invalid_argument);
  EXPECT_THROW(
      transformer_block_forward(s, p.weights(), p.x, b.tensors, b.workspace, nullptr, 1, 2),
      std::invalid_argument);
  TransformerBlockShape post = s;
  post.pre_norm = false;
  EXPECT_THROW(transformer_block_forward(post, p.weights(), p.x, b.tensors, b.workspace),
               std::invalid_argument);
}

}  // namespace
}  // namespace initcheck::nn
