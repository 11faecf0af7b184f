#pragma once
/// Internal: the vectorized statistics pass behind TensorAccumulator::add and add_relu, compiled
/// per instruction set and chosen once at run time (engine-private).
///
/// Every kernel adds the same double terms in the same order, so all of them give bit-identical
/// results: each row is summed over the columns in order; a column's Σ_c x² is kept in 8 lanes,
/// lane k summing rows k, k+8, k+16, … of the first ⌊rows/8⌋·8 rows in order, then the lanes are
/// added in order 0…7, then the remaining rows in order. Only the register tiling differs.

#include <Eigen/Core>

#include "initcheck/engine/detail/tensor_accumulator.hpp"

namespace initcheck::engine::detail {

/// generic: the build's -march (AVX2 in the default x86-64-v3 build); avx2 and avx512 (AVX-512F)
/// are compiled by target attributes whatever the build (x86-64 GCC/Clang only).
enum class StatsPassIsa { generic, avx2, avx512 };

/// True if `isa` was compiled in and the running CPU supports it.
[[nodiscard]] bool stats_pass_available(StatsPassIsa isa);

/// The widest available kernel (the CPU is queried once, on the first call).
[[nodiscard]] StatsPassIsa best_stats_pass();

/// The statistics pass with the best kernel: adds `cols` columns of `data` to `pre` (and their
/// Σ_c x² to `pre_norms`, as TensorAccumulator::add); with `post` non-null also writes relu(data)
/// to `out` and adds it to `post` / `post_norms` (as add_relu).
void stats_pass(TensorAccumulator& pre, TensorAccumulator* post, const float* data, float* out,
                Eigen::Index cols, double* pre_norms, double* post_norms, Eigen::Index first_column,
                Eigen::Index columns_per_sample);

/// Test hook: stats_pass with the kernel of `isa` (std::logic_error if it is not available).
void stats_pass_with(StatsPassIsa isa, TensorAccumulator& pre, TensorAccumulator* post,
                     const float* data, float* out, Eigen::Index cols, double* pre_norms,
                     double* post_norms, Eigen::Index first_column,
                     Eigen::Index columns_per_sample);

}  // namespace initcheck::engine::detail
