#include "initcheck/nn/gemm.hpp"

#include <algorithm>
#include <stdexcept>

#include "initcheck/nn/detail/gemm_avx512.hpp"

namespace initcheck::nn {
namespace {

using Eigen::Index;

/// Thread-local packing arena: grows, never shrinks (keeps glibc from trimming it away).
Eigen::VectorXf& arena() {
  thread_local Eigen::VectorXf buffer;
  return buffer;
}

/// Eigen's level-3 blocking with buffers taken from the arena (`b_blocks` packed-b buffers).
class ArenaBlocking : public Eigen::internal::level3_blocking<float, float> {
 public:
  ArenaBlocking(Index rows, Index cols, Index depth, Index b_blocks = 1) {
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
    if (buffer.size() < size_a + b_blocks * size_b) buffer.resize(size_a + b_blocks * size_b);
    m_blockA = buffer.data();
    m_blockB = buffer.data() + size_a;
    size_b_ = size_b;
  }
  /// The i-th packed-b buffer (i < b_blocks).
  [[nodiscard]] float* block_b(Index i) const { return m_blockB + i * size_b_; }

 private:
  Index size_b_ = 0;
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

namespace ei = Eigen::internal;
using Traits = ei::gebp_traits<float, float>;
using InMapper = ei::const_blas_data_mapper<float, Index, Eigen::ColMajor>;
using OutMapper = ei::blas_data_mapper<float, Index, Eigen::ColMajor, Eigen::Unaligned, 1>;

/// Throws unless the arguments of gemm_column_groups are consistent.
void check_column_groups(const Eigen::Ref<const Eigen::MatrixXf>& a,
                         const Eigen::Ref<const Eigen::MatrixXf>& b,
                         const Eigen::Ref<Eigen::MatrixXf>& c, std::span<const Index> starts,
                         int first, int last) {
  if (b.rows() != a.cols() || c.rows() != a.rows() || c.cols() != b.cols() || starts.empty() ||
      starts.back() > b.cols() || first < 0 || last < first ||
      static_cast<std::size_t>(last) >= starts.size()) {
    throw std::invalid_argument("gemm_column_groups: shape mismatch");
  }
}

/// gemm_column_groups on Eigen's kernel, arguments already checked.
void eigen_column_groups(const Eigen::Ref<const Eigen::MatrixXf>& a,
                         const Eigen::Ref<const Eigen::MatrixXf>& b, Eigen::Ref<Eigen::MatrixXf> c,
                         std::span<const Index> starts, int first, int last) {
  const Index m = a.rows();
  const Index k = a.cols();
  Index widest = 0;
  for (std::size_t g = 0; g + 1 < starts.size(); ++g) {
    widest = std::max(widest, starts[g + 1] - starts[g]);
  }
  const auto group_cols = [&](int g) {
    return starts[static_cast<std::size_t>(g) + 1] - starts[static_cast<std::size_t>(g)];
  };
  for (int g = first; g < last; ++g) {
    c.middleCols(starts[static_cast<std::size_t>(g)], group_cols(g)).setZero();
  }
  if (m == 0 || k == 0 || widest == 0 || first == last) return;
  // Eigen's sequential GEMM loop (GeneralMatrixMatrix.h) with the lhs panel packed once for all
  // groups; each group keeps its own packed rhs when it can be packed once (kc = k, nc ≥ cols).
  ArenaBlocking blocking(m, widest, k, last - first);
  const Index kc = blocking.kc();
  const Index mc = std::min(m, blocking.mc());
  const InMapper lhs(a.data(), a.outerStride());
  const InMapper rhs(b.data(), b.outerStride());
  const OutMapper res(c.data(), c.outerStride(), 1);
  ei::gemm_pack_lhs<float, Index, InMapper, Traits::mr, Traits::LhsProgress,
                    typename Traits::LhsPacket4Packing, Eigen::ColMajor>
      pack_lhs;
  ei::gemm_pack_rhs<float, Index, InMapper, Traits::nr, Eigen::ColMajor> pack_rhs;
  ei::gebp_kernel<float, float, Index, OutMapper, Traits::mr, Traits::nr, false, false> gebp;
  for (Index i2 = 0; i2 < m; i2 += mc) {
    const Index amc = std::min(i2 + mc, m) - i2;
    for (Index k2 = 0; k2 < k; k2 += kc) {
      const Index akc = std::min(k2 + kc, k) - k2;
      pack_lhs(blocking.blockA(), lhs.getSubMapper(i2, k2), akc, amc);
      for (int g = first; g < last; ++g) {
        const Index c0 = starts[static_cast<std::size_t>(g)];
        const Index cols = group_cols(g);
        const Index nc = std::min(cols, blocking.nc());
        const bool pack_once = mc != m && kc == k && nc == cols;
        float* block_b = blocking.block_b(g - first);  // own buffer: packed-once data survives
        for (Index j2 = 0; j2 < cols; j2 += nc) {
          const Index anc = std::min(j2 + nc, cols) - j2;
          if (!pack_once || i2 == 0) pack_rhs(block_b, rhs.getSubMapper(k2, c0 + j2), akc, anc);
          gebp(res.getSubMapper(i2, c0 + j2), blocking.blockA(), block_b, amc, akc, anc, 1.0f);
        }
      }
    }
  }
}

}  // namespace

void gemm_column_groups(const Eigen::Ref<const Eigen::MatrixXf>& a,
                        const Eigen::Ref<const Eigen::MatrixXf>& b, Eigen::Ref<Eigen::MatrixXf> c,
                        std::span<const Index> starts, int first, int last) {
  check_column_groups(a, b, c, starts, first, last);
  if (a.rows() != 0 && a.cols() != 0 && detail::avx512_gemm_available()) {
    const Index floats = detail::avx512_gemm_workspace(a.rows(), a.cols(), starts, first, last);
    Eigen::VectorXf& buffer = arena();
    if (buffer.size() < floats) buffer.resize(floats);
    detail::avx512_gemm_column_groups(a, b, c, starts, first, last, buffer.data());
    return;
  }
  eigen_column_groups(a, b, c, starts, first, last);
}

void detail::eigen_gemm_column_groups(const Eigen::Ref<const Eigen::MatrixXf>& a,
                                      const Eigen::Ref<const Eigen::MatrixXf>& b,
                                      Eigen::Ref<Eigen::MatrixXf> c, std::span<const Index> starts,
                                      int first, int last) {
  check_column_groups(a, b, c, starts, first, last);
  eigen_column_groups(a, b, c, starts, first, last);
}

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
