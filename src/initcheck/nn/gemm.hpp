#pragma once
/// Float GEMM with persistent per-thread packing buffers (no allocation after warm-up).

#include <Eigen/Core>

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

/// Floats currently held by the calling thread's GEMM packing arena (for tests/diagnostics).
[[nodiscard]] Eigen::Index gemm_arena_size();

}  // namespace initcheck::nn
