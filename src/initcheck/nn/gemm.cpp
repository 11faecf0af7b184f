#include "initcheck/nn/gemm.hpp"

#include <stdexcept>

namespace initcheck::nn {
namespace {

using Eigen::Index;

/// Thread-local packing arena: grows, never shrinks (keeps glibc from trimming it away).
Eigen::VectorXf& arena() {
  thread_local Eigen::VectorXf buffer;
  return buffer;
}

/// Eigen's level-3 blocking with buffers taken from the arena.
class ArenaBlocking : public Eigen::internal::level3_blocking<float, float> {
 public:
  ArenaBlocking(Index rows, Index cols, Index depth) {
    m_mc = rows;
    m_nc = cols;
    m_kc = depth;
    // Same call (with L3 blocking, one thread) as Eigen's gemm_blocking_space<..., Dynamic>.
    Eigen::internal::computeProductBlockingSizes<float, float, 1, Index>(m_kc, m_mc, m_nc, 1);
    // GEMM packs at most kc×min(mc,rows) of A and kc×min(nc,cols) of B; pad each part to a
    // multiple of 16 floats so blockB stays 64-byte aligned.
    const Index size_a = (m_kc * m_mc + 15) / 16 * 16;
    const Index size_b = (m_kc * m_nc + 15) / 16 * 16;
    Eigen::VectorXf& buffer = arena();
    if (buffer.size() < size_a + size_b) buffer.resize(size_a + size_b);
    m_blockA = buffer.data();
    m_blockB = buffer.data() + size_a;
  }
};

template <int LhsOrder, int RhsOrder>
void run(Index m, Index n, Index k, const float* a, Index lda, const float* b, Index ldb, float* c,
         Index ldc, float alpha) {
  ArenaBlocking blocking(m, n, k);
  Eigen::internal::general_matrix_matrix_product<Index, float, LhsOrder, false, float, RhsOrder,
                                                 false, Eigen::ColMajor, 1>::run(m, n, k, a, lda, b,
                                                                                 ldb, c, 1, ldc,
                                                                                 alpha, blocking);
}

}  // namespace

Index gemm_arena_size() {
  return arena().size();
}

void gemm(float alpha, const Eigen::Ref<const Eigen::MatrixXf>& a, bool trans_a,
          const Eigen::Ref<const Eigen::MatrixXf>& b, bool trans_b, float beta,
          Eigen::Ref<Eigen::MatrixXf> c) {
  const Index m = trans_a ? a.cols() : a.rows();
  const Index k = trans_a ? a.rows() : a.cols();
  const Index kb = trans_b ? b.cols() : b.rows();
  const Index n = trans_b ? b.rows() : b.cols();
  if (k != kb || c.rows() != m || c.cols() != n) {
    throw std::invalid_argument("gemm: shape mismatch");
  }
  if (beta != 0.0f && beta != 1.0f) throw std::invalid_argument("gemm: beta must be 0 or 1");
  if (beta == 0.0f) c.setZero();
  if (m == 0 || n == 0 || k == 0) return;
  const float* pa = a.data();
  const float* pb = b.data();
  const Index lda = a.outerStride();
  const Index ldb = b.outerStride();
  if (!trans_a && !trans_b) {
    run<Eigen::ColMajor, Eigen::ColMajor>(m, n, k, pa, lda, pb, ldb, c.data(), c.outerStride(),
                                          alpha);
  } else if (trans_a && !trans_b) {
    run<Eigen::RowMajor, Eigen::ColMajor>(m, n, k, pa, lda, pb, ldb, c.data(), c.outerStride(),
                                          alpha);
  } else if (!trans_a && trans_b) {
    run<Eigen::ColMajor, Eigen::RowMajor>(m, n, k, pa, lda, pb, ldb, c.data(), c.outerStride(),
                                          alpha);
  } else {
    run<Eigen::RowMajor, Eigen::RowMajor>(m, n, k, pa, lda, pb, ldb, c.data(), c.outerStride(),
                                          alpha);
  }
}

}  // namespace initcheck::nn
