#include "initcheck/engine/detail/tensor_accumulator.hpp"

#include <algorithm>
#include <cmath>

#include "initcheck/engine/detail/stats_pass.hpp"

namespace initcheck::engine::detail {

void TensorAccumulator::resize(Eigen::Index rows) {
  row_sum.assign(static_cast<std::size_t>(rows), 0.0);
  row_sumsq.assign(static_cast<std::size_t>(rows), 0.0);
  reset();
}

void TensorAccumulator::reset() {
  std::fill(row_sum.begin(), row_sum.end(), 0.0);
  std::fill(row_sumsq.begin(), row_sumsq.end(), 0.0);
  min = std::numeric_limits<float>::infinity();
  max = -std::numeric_limits<float>::infinity();
  small = 0;
  columns = 0;
  nan_count = 0;
  inf_count = 0;
}

void TensorAccumulator::add(const float* data, Eigen::Index cols, double* sample_sq_norms,
                            Eigen::Index first_column, Eigen::Index columns_per_sample) {
  stats_pass(*this, nullptr, data, nullptr, cols, sample_sq_norms, nullptr, first_column,
             columns_per_sample);
}

void add_relu(TensorAccumulator& pre, TensorAccumulator& post, const float* z, float* h,
              Eigen::Index cols, double* pre_sq_norms, double* post_sq_norms,
              Eigen::Index first_column, Eigen::Index columns_per_sample) {
  stats_pass(pre, &post, z, h, cols, pre_sq_norms, post_sq_norms, first_column, columns_per_sample);
}

void TensorAccumulator::merge(const TensorAccumulator& other) {
  for (std::size_t i = 0; i < row_sum.size(); ++i) {
    row_sum[i] += other.row_sum[i];
    row_sumsq[i] += other.row_sumsq[i];
  }
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  small += other.small;
  columns += other.columns;
  nan_count += other.nan_count;
  inf_count += other.inf_count;
}

TensorStats TensorAccumulator::stats() const {
  TensorStats t;
  const auto rows = static_cast<std::int64_t>(row_sum.size());
  t.rows = rows;
  t.count = rows * columns;
  t.nan_count = nan_count;
  t.inf_count = inf_count;
  if (t.count == 0) return t;
  const auto n = static_cast<double>(columns);
  double sum = 0.0;
  double sumsq = 0.0;
  double sq_mean = 0.0;
  double var_sum = 0.0;
  double max_abs_mean = 0.0;
  double min_var = std::numeric_limits<double>::infinity();
  double max_var = -std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < row_sum.size(); ++c) {
    sum += row_sum[c];
    sumsq += row_sumsq[c];
    const double mu = row_sum[c] / n;
    const double var = std::max(row_sumsq[c] / n - mu * mu, 0.0);
    sq_mean += mu * mu;
    var_sum += var;
    max_abs_mean = std::max(max_abs_mean, std::abs(mu));
    min_var = std::min(min_var, var);
    max_var = std::max(max_var, var);
  }
  const auto count = static_cast<double>(t.count);
  t.mean = sum / count;
  t.second_moment = sumsq / count;
  t.variance = t.second_moment - t.mean * t.mean;
  t.min = min;
  t.max = max;
  t.frac_small = static_cast<double>(small) / count;
  t.channel_sq_mean = sq_mean / static_cast<double>(rows);
  t.channel_variance = var_sum / static_cast<double>(rows);
  t.max_abs_channel_mean = max_abs_mean;
  t.min_channel_variance = min_var;
  t.max_channel_variance = max_var;
  if (nan_count > 0 || inf_count > 0) {  // std::max above drops NaNs; make them visible
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (nan_count > 0) t.mean = t.second_moment = t.variance = nan;
    if (!std::isfinite(t.variance)) t.variance = nan;
  }
  return t;
}

}  // namespace initcheck::engine::detail
