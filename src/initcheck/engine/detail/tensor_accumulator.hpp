#pragma once
/// Internal: one-pass accumulation of TensorStats over column chunks (engine-private).

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <vector>

#include "initcheck/engine/trace.hpp"

namespace initcheck::engine::detail {

/// Running sums of one tensor over the columns one slice has seen. Per-row sums are kept in
/// double so channel statistics and the dominance ratio come out of the same pass.
struct TensorAccumulator {
  std::vector<double> row_sum;    ///< Σ_n x_cn per row c
  std::vector<double> row_sumsq;  ///< Σ_n x_cn² per row c
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  std::int64_t small = 0;  ///< entries with |x| < 0.25
  std::int64_t columns = 0;
  std::int64_t nan_count = 0;
  std::int64_t inf_count = 0;

  /// Sizes the row vectors (allocates) and clears.
  void resize(Eigen::Index rows);
  /// Clears the sums without allocating.
  void reset();
  /// Adds the `cols` columns (each `rows` contiguous floats, rows = row_sum.size()) starting
  /// at `data`. When `sample_sq_norms` is non-null, adds each column's Σ_c x² to
  /// sample_sq_norms[(first_column + j) / columns_per_sample]. Runs the statistics pass chosen
  /// for the CPU (stats_pass.hpp: its kernels and the summation order they share).
  void add(const float* data, Eigen::Index cols, double* sample_sq_norms, Eigen::Index first_column,
           Eigen::Index columns_per_sample);
  /// Adds another slice's sums (row by row, in a fixed order).
  void merge(const TensorAccumulator& other);
  /// Moments and channel summaries of everything added.
  [[nodiscard]] TensorStats stats() const;
};

/// Fused ReLU step: h = relu(z) (z < 0 → 0; NaN and −0 pass through, as nn::activation_forward)
/// written to `h`, with z added to `pre` and h to `post` in the same pass (same sums as
/// pre.add(z, …) followed by post.add(h, …)). Both accumulators have the same rows.
void add_relu(TensorAccumulator& pre, TensorAccumulator& post, const float* z, float* h,
              Eigen::Index cols, double* pre_sq_norms, double* post_sq_norms,
              Eigen::Index first_column, Eigen::Index columns_per_sample);

}  // namespace initcheck::engine::detail
