// Multi-head self-attention, one (sequence, head) pair at a time: the transposed scores
// Sᵀ = Kᵀ·Q/√d_h (T × T, column i = query i) come from nn::gemm, so each query's softmax runs
// over one contiguous column, and out = V·Pᵀᵀ is a plain product with that matrix. Softmax,
// its backward and their reductions are written with Eigen packets and unaligned loads (as
// activation_kernels.cpp), so results do not depend on the workspace's alignment.

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13 && defined(__AVX512F__)
// GCC 12 bug 105593 (see activation_kernels.cpp): Eigen's AVX-512 pexp warns spuriously.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "initcheck/nn/attention.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "initcheck/core/error.hpp"
#include "initcheck/nn/gemm.hpp"

namespace initcheck::nn {
namespace {

namespace ei = Eigen::internal;
using Eigen::Index;
using MatMap = Eigen::Map<Eigen::MatrixXf>;
using P = ei::packet_traits<float>::type;
constexpr Index kWidth = ei::packet_traits<float>::size;

/// exp(x) below this is set to 0 (Eigen's pexp clamps and returns ≈ 1e-38 instead).
constexpr float kExpFloor = -87.0f;

void check_shape(const AttentionShape& s) {
  if (s.heads < 1 || s.head_dim < 1 || s.tokens < 1 || s.sequences < 1) {
    throw InputError(
        "attention: heads, head dimension, tokens and sequences must be positive (got " +
        std::to_string(s.heads) + ", " + std::to_string(s.head_dim) + ", " +
        std::to_string(s.tokens) + ", " + std::to_string(s.sequences) + ")");
  }
}

void check_matrix(const AttentionShape& s, Index rows, Index cols, const char* what) {
  if (rows != s.width() || cols != s.columns()) {
    throw std::invalid_argument(std::string("attention: ") + what + " must be d × B·T");
  }
}

void check_workspace(const AttentionShape& s, Index size) {
  if (size < s.workspace_size()) {
    throw std::invalid_argument(
        "attention: workspace smaller than AttentionShape::workspace_size()");
  }
}

/// e^{x − m} with e = 0 below kExpFloor.
inline P shifted_exp(const P& x, const P& m) {
  const P a = ei::psub(x, m);
  return ei::pselect(ei::pcmp_lt(a, ei::pset1<P>(kExpFloor)), ei::pzero(a), ei::pexp(a));
}

/// Softmax of p[0, n) in place. A NaN or infinite score makes the whole span NaN.
void softmax_span(float* p, Index n) {
  P mv = ei::pset1<P>(-std::numeric_limits<float>::infinity());
  Index i = 0;
  for (; i + kWidth <= n; i += kWidth) mv = ei::pmax(mv, ei::ploadu<P>(p + i));
  float m = ei::predux_max(mv);
  for (Index t = i; t < n; ++t) m = std::max(m, p[t]);
  if (std::isnan(m)) m = 0.0f;  // keeps the NaN in the span, where it propagates to the sum
  const P mp = ei::pset1<P>(m);
  P acc = ei::pset1<P>(0.0f);
  for (i = 0; i + kWidth <= n; i += kWidth) {
    const P e = shifted_exp(ei::ploadu<P>(p + i), mp);
    ei::pstoreu(p + i, e);
    acc = ei::padd(acc, e);
  }
  if (i < n) {
    alignas(64) float buf[kWidth] = {};
    std::copy(p + i, p + n, buf);
    ei::pstore(buf, shifted_exp(ei::pload<P>(buf), mp));
    std::fill(buf + (n - i), buf + kWidth, 0.0f);
    std::copy(buf, buf + (n - i), p + i);
    acc = ei::padd(acc, ei::pload<P>(buf));
  }
  const P inv = ei::pset1<P>(1.0f / ei::predux(acc));
  for (i = 0; i + kWidth <= n; i += kWidth) ei::pstoreu(p + i, ei::pmul(ei::ploadu<P>(p + i), inv));
  for (; i < n; ++i) p[i] *= ei::pfirst(inv);
}

/// Softmax backward in place: g_j ← p_j·(g_j − Σ_j' p_j' g_j') over [0, n).
void softmax_backward_span(const float* p, float* g, Index n) {
  P acc = ei::pset1<P>(0.0f);
  Index i = 0;
  for (; i + kWidth <= n; i += kWidth) {
    acc = ei::pmadd(ei::ploadu<P>(p + i), ei::ploadu<P>(g + i), acc);
  }
  if (i < n) {
    alignas(64) float pb[kWidth] = {};
    alignas(64) float gb[kWidth] = {};
    std::copy(p + i, p + n, pb);
    std::copy(g + i, g + n, gb);
    acc = ei::pmadd(ei::pload<P>(pb), ei::pload<P>(gb), acc);
  }
  const P dot = ei::pset1<P>(ei::predux(acc));
  for (i = 0; i + kWidth <= n; i += kWidth) {
    const P gi = ei::psub(ei::ploadu<P>(g + i), dot);
    ei::pstoreu(g + i, ei::pmul(ei::ploadu<P>(p + i), gi));
  }
  for (; i < n; ++i) g[i] = p[i] * (g[i] - ei::pfirst(dot));
}

/// The rows of head h and the columns of sequence b of a d × B·T matrix.
template <class M>
auto head_block(M& m, const AttentionShape& s, Index b, Index h) {
  return m.block(h * s.head_dim, b * s.tokens, s.head_dim, s.tokens);
}

/// probs = Pᵀ of sequence b, head h (column i = query i's weights).
void probabilities(const AttentionShape& s, const ConstMatRef& q, const ConstMatRef& k, Index b,
                   Index h, MatMap probs) {
  const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(s.head_dim)));
  gemm(scale, head_block(k, s, b, h), true, head_block(q, s, b, h), false, 0.0f, probs);
  const Index t_count = s.tokens;
  for (Index i = 0; i < t_count; ++i) {
    const Index n = s.causal ? i + 1 : t_count;
    softmax_span(probs.col(i).data(), n);
    if (n < t_count) probs.col(i).tail(t_count - n).setZero();
  }
}

}  // namespace

void attention_forward(const AttentionShape& shape, const ConstMatRef& q, const ConstMatRef& k,
                       const ConstMatRef& v, MatRef out, VecRef workspace) {
  check_shape(shape);
  check_matrix(shape, q.rows(), q.cols(), "q");
  check_matrix(shape, k.rows(), k.cols(), "k");
  check_matrix(shape, v.rows(), v.cols(), "v");
  check_matrix(shape, out.rows(), out.cols(), "out");
  check_workspace(shape, workspace.size());
  const MatMap probs(workspace.data(), shape.tokens, shape.tokens);
  for (Index b = 0; b < shape.sequences; ++b) {
    for (Index h = 0; h < shape.heads; ++h) {
      probabilities(shape, q, k, b, h, probs);
      gemm(1.0f, head_block(v, shape, b, h), false, probs, false, 0.0f,
           head_block(out, shape, b, h));
    }
  }
}

void attention_probabilities(const AttentionShape& shape, const ConstMatRef& q,
                             const ConstMatRef& k, std::int64_t sequence, std::int64_t head,
                             MatRef probs) {
  check_shape(shape);
  check_matrix(shape, q.rows(), q.cols(), "q");
  check_matrix(shape, k.rows(), k.cols(), "k");
  if (sequence < 0 || sequence >= shape.sequences || head < 0 || head >= shape.heads ||
      probs.rows() != shape.tokens || probs.cols() != shape.tokens ||
      probs.outerStride() != shape.tokens) {
    throw std::invalid_argument(
        "attention_probabilities: sequence/head out of range or probs not a contiguous T × T");
  }
  probabilities(shape, q, k, sequence, head, MatMap(probs.data(), shape.tokens, shape.tokens));
}

void attention_backward(const AttentionShape& shape, const ConstMatRef& q, const ConstMatRef& k,
                        const ConstMatRef& v, const ConstMatRef& grad_out, MatRef grad_q,
                        MatRef grad_k, MatRef grad_v, VecRef workspace) {
  check_shape(shape);
  check_matrix(shape, q.rows(), q.cols(), "q");
  check_matrix(shape, k.rows(), k.cols(), "k");
  check_matrix(shape, v.rows(), v.cols(), "v");
  check_matrix(shape, grad_out.rows(), grad_out.cols(), "grad_out");
  check_matrix(shape, grad_q.rows(), grad_q.cols(), "grad_q");
  check_matrix(shape, grad_k.rows(), grad_k.cols(), "grad_k");
  check_matrix(shape, grad_v.rows(), grad_v.cols(), "grad_v");
  check_workspace(shape, workspace.size());
  const Index t_count = shape.tokens;
  const auto scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(shape.head_dim)));
  const MatMap probs(workspace.data(), t_count, t_count);
  MatMap grad_s(workspace.data() + t_count * t_count, t_count, t_count);
  for (Index b = 0; b < shape.sequences; ++b) {
    for (Index h = 0; h < shape.heads; ++h) {
      probabilities(shape, q, k, b, h, probs);
      const auto go = head_block(grad_out, shape, b, h);
      // out = V·Pᵀᵀ: ∂V = ∂out·P (probs holds Pᵀ), ∂(Pᵀ) = Vᵀ·∂out.
      gemm(1.0f, go, false, probs, true, 0.0f, head_block(grad_v, shape, b, h));
      gemm(1.0f, head_block(v, shape, b, h), true, go, false, 0.0f, grad_s);
      for (Index i = 0; i < t_count; ++i) {
        const Index n = shape.causal ? i + 1 : t_count;
        softmax_backward_span(probs.col(i).data(), grad_s.col(i).data(), n);
        if (n < t_count) grad_s.col(i).tail(t_count - n).setZero();
      }
      // Sᵀ = Kᵀ·Q·scale: ∂Q = scale·K·∂Sᵀ, ∂K = scale·Q·(∂Sᵀ)ᵀ.
      gemm(scale, head_block(k, shape, b, h), false, grad_s, false, 0.0f,
           head_block(grad_q, shape, b, h));
      gemm(scale, head_block(q, shape, b, h), false, grad_s, true, 0.0f,
           head_block(grad_k, shape, b, h));
    }
  }
}

}  // namespace initcheck::nn
