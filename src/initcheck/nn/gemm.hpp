#pragma once
/// Float GEMM with persistent per-thread packing buffers (no allocation after warm-up).

#include <Eigen/Core>
#include <span>

namespace initcheck::nn {

/// c = beta·c + alpha·op(a)·op(b), op(x) = xᵀ when the matching `trans_*` flag is set;
/// beta must be 0 or 1. Shapes: op(a) m×k, op(b) k×n, c m×n. Runs Eigen's single-threaded GEMM
/// kernel with packing buffers kept in a grow-only thread_local arena, so it allocates only
/// when a larger product than any before is run on the calling thread (Eigen's own product
/// mallocs/frees its buffers on every call once they exceed EIGEN_STACK_ALLOCATION_LIMIT).
/// Throws std::invalid_argument on a shape mismatch.
void gemm(float alpha, const Eigen::Ref<const Eigen::MatrixXf>& a, bool trans_a,
          const Eigen::Ref<const Eigen::MatrixXf>& b, bool trans_b, float beta,
          Eigen::Ref<Eigen::MatrixXf> c);

/// c(:, g) = a·b(:, g) for the column groups g = first, …, last−1, where group g is columns
/// [starts[g], starts[g+1]) (a: m×k, b: k×n, c: m×n, starts increasing from 0 to at most n).
/// The engine's dense product. On CPUs with AVX-512F it runs the project's blocked kernel
/// (detail/gemm_avx512.hpp, ≈ 1.3× Eigen's here; chosen at run time whatever the build's
/// -march); elsewhere Eigen's, with the blocking of the widest group of all of `starts`. Either
/// way each group is computed by the same kernel calls whichever other groups share the call,
/// so a column's result does not depend on how the groups are split between calls (threads);
/// one call packs each block of a only once for all its groups. Same arena and allocation rules as
/// gemm().
void gemm_column_groups(const Eigen::Ref<const Eigen::MatrixXf>& a,
                        const Eigen::Ref<const Eigen::MatrixXf>& b, Eigen::Ref<Eigen::MatrixXf> c,
                        std::span<const Eigen::Index> starts, int first, int last);

namespace detail {
/// gemm_column_groups with Eigen's kernel whatever the CPU (what CPUs without AVX-512F run;
/// exposed so the tests cover it on every machine).
void eigen_gemm_column_groups(const Eigen::Ref<const Eigen::MatrixXf>& a,
                              const Eigen::Ref<const Eigen::MatrixXf>& b,
                              Eigen::Ref<Eigen::MatrixXf> c, std::span<const Eigen::Index> starts,
                              int first, int last);
}  // namespace detail

/// Floats currently held by the calling thread's GEMM packing arena (for tests/diagnostics).
[[nodiscard]] Eigen::Index gemm_arena_size();

}  // namespace initcheck::nn
