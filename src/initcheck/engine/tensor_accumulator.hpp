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
  /// sample_sq_norms[(first_column + j) / columns_per_sample].
  void add(const float* data, Eigen::Index cols, double* sample_sq_norms, Eigen::Index first_column,
           Eigen::Index columns_per_sample);
  /// Adds another slice's sums (row by row, in a fixed order).
  void merge(const TensorAccumulator& other);
  /// Moments and channel summaries of everything added.
  [[nodiscard]] TensorStats stats() const;
};

}  // namespace initcheck::engine::detail
