#pragma once
/// Blocked single-precision GEMM kernel for AVX-512 builds (used by gemm_column_groups).
///
/// BLIS-style blocking (Goto & van de Geijn 2008): b is packed in kc × 8 column panels, a in
/// 32 × kc row panels; a 32 × 8 register tile (16 zmm accumulators) is updated by rank-1 FMAs.
/// Every output entry is Σ over k-blocks (in order) of an FMA chain over that block, whatever
/// the column grouping or row position, so a column's result does not depend on the split.

#include <Eigen/Core>
#include <span>

namespace initcheck::nn::detail {

/// True when this build compiled the kernel (the target has AVX-512F).
#if defined(__AVX512F__)
inline constexpr bool kAvx512Gemm = true;
#else
inline constexpr bool kAvx512Gemm = false;
#endif

/// Floats of packing workspace avx512_gemm_column_groups needs for these shapes.
[[nodiscard]] Eigen::Index avx512_gemm_workspace(Eigen::Index m, Eigen::Index k,
                                                 std::span<const Eigen::Index> starts, int first,
                                                 int last);

/// c(:, g) = a·b(:, g) for the column groups g = first, …, last−1 (as gemm_column_groups, whose
/// checks it relies on); `workspace` holds avx512_gemm_workspace(…) floats. Throws
/// std::logic_error when !kAvx512Gemm.
void avx512_gemm_column_groups(const Eigen::Ref<const Eigen::MatrixXf>& a,
                               const Eigen::Ref<const Eigen::MatrixXf>& b,
                               Eigen::Ref<Eigen::MatrixXf> c, std::span<const Eigen::Index> starts,
                               int first, int last, float* workspace);

}  // namespace initcheck::nn::detail
