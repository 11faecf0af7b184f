#pragma once
/// Blocked single-precision GEMM kernel for AVX-512 CPUs (used by gemm_column_groups).
///
/// BLIS-style blocking (Goto & van de Geijn 2008): b is packed in kc × 8 column panels, a in
/// 32 × kc row panels; a 32 × 8 register tile (16 zmm accumulators) is updated by rank-1 FMAs.
/// Every output entry is Σ over k-blocks (in order) of an FMA chain over that block, whatever
/// the column grouping or row position, so a column's result does not depend on the split.
/// The kernel functions are compiled for AVX-512F by target attributes whatever the build's
/// -march (x86-64 GCC/Clang), so portable builds carry it and run it on CPUs that have it.

#include <Eigen/Core>
#include <span>

namespace initcheck::nn::detail {

/// True when the kernel is compiled in (x86-64 GCC/Clang) and the running CPU (and OS) support
/// AVX-512F; the CPU is queried once, on the first call.
[[nodiscard]] bool avx512_gemm_available();

/// Floats of packing workspace avx512_gemm_column_groups needs for these shapes.
[[nodiscard]] Eigen::Index avx512_gemm_workspace(Eigen::Index m, Eigen::Index k,
                                                 std::span<const Eigen::Index> starts, int first,
                                                 int last);

/// c(:, g) = a·b(:, g) for the column groups g = first, …, last−1 (as gemm_column_groups, whose
/// checks it relies on); `workspace` holds avx512_gemm_workspace(…) floats. Throws
/// std::logic_error when !avx512_gemm_available().
void avx512_gemm_column_groups(const Eigen::Ref<const Eigen::MatrixXf>& a,
                               const Eigen::Ref<const Eigen::MatrixXf>& b,
                               Eigen::Ref<Eigen::MatrixXf> c, std::span<const Eigen::Index> starts,
                               int first, int last, float* workspace);

}  // namespace initcheck::nn::detail
