#include "initcheck/engine/input_data.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "initcheck/core/error.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::engine {

std::int64_t dataset_size(std::int64_t features, std::int64_t columns) {
  return std::max({kMinDatasetSize, 4 * columns, 4 * features});
}

namespace {

/// The dataset as x_i = m + D·u_i with D = diag(s·√½) and u_i = e_i + L·c_i (uncentered, in a
/// per-thread buffer: a fresh 16 MB matrix per replicate costs more in page faults than the
/// arithmetic), its population mean and std, and the drawn sample indices.
struct Dataset {
  const Eigen::MatrixXd& u;
  Eigen::VectorXd u_mean;  ///< ū
  Eigen::VectorXd u_std;   ///< population std of u (per feature)
  Eigen::VectorXd scales;  ///< D's diagonal
  Eigen::VectorXd mean;    ///< x̄ = m + D·ū
  Eigen::VectorXd std;     ///< std of x = D·u_std
  std::vector<std::int64_t> picks;
};

/// The per-thread dataset buffer.
Eigen::MatrixXd& dataset_buffer() {
  thread_local Eigen::MatrixXd buffer;
  return buffer;
}

/// Frees the buffer when it exceeds 64 MB (conv inputs: N = 4·B·S² samples), so large datasets
/// are not kept for the thread's lifetime.
void release_large_buffer() {
  constexpr Eigen::Index kKeepEntries = Eigen::Index{1} << 23U;
  if (dataset_buffer().size() > kKeepEntries) dataset_buffer().resize(0, 0);
}

Dataset generate(std::int64_t features, std::int64_t columns, rng::Engine& engine) {
  const std::int64_t n = dataset_size(features, columns);
  const std::int64_t k = std::min<std::int64_t>(4, features);
  auto fill = [&](Eigen::MatrixXd& m) {
    rng::fill_normal(engine, std::span<double>(m.data(), static_cast<std::size_t>(m.size())));
  };
  Eigen::MatrixXd means(features, 1);
  fill(means);
  Eigen::MatrixXd loadings(features, k);
  fill(loadings);
  loadings /= std::sqrt(static_cast<double>(k));
  Eigen::VectorXd scales(features);
  for (Eigen::Index j = 0; j < features; ++j) {
    scales(j) = std::sqrt(0.5) * std::exp(std::log(4.0) * (2.0 * rng::uniform01(engine) - 1.0));
  }
  Eigen::MatrixXd& buffer = dataset_buffer();
  buffer.resize(features, n);
  fill(buffer);
  Eigen::MatrixXd factors(k, n);
  fill(factors);
  buffer.noalias() += loadings * factors;
  // Row moments column by column (a row-wise reduction strides through memory).
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(features);
  for (Eigen::Index i = 0; i < n; ++i) sum += buffer.col(i);
  Dataset d{buffer, sum / static_cast<double>(n), {}, scales, {}, {}, {}};
  sum.setZero();
  for (Eigen::Index i = 0; i < n; ++i) sum += (buffer.col(i) - d.u_mean).cwiseAbs2();
  d.u_std = (sum / static_cast<double>(n)).cwiseSqrt();
  d.mean = means.col(0) + scales.cwiseProduct(d.u_mean);
  d.std = scales.cwiseProduct(d.u_std);
  std::vector<std::int64_t> index(static_cast<std::size_t>(n));
  std::iota(index.begin(), index.end(), 0);
  d.picks.resize(static_cast<std::size_t>(columns));
  for (std::int64_t c = 0; c < columns; ++c) {
    const auto pick = c + std::min<std::int64_t>(
                              n - c - 1, static_cast<std::int64_t>(rng::uniform01(engine) *
                                                                   static_cast<double>(n - c)));
    std::swap(index[static_cast<std::size_t>(c)], index[static_cast<std::size_t>(pick)]);
    d.picks[static_cast<std::size_t>(c)] = index[static_cast<std::size_t>(c)];
  }
  return d;
}

/// The drawn batch standardized per `mode` (n0 × n, double).
Eigen::MatrixXd standardized_batch(const Dataset& d, Standardization mode) {
  const auto columns = static_cast<Eigen::Index>(d.picks.size());
  // b: the drawn samples centered, x_i − x̄ = D·(u_i − ū).
  Eigen::MatrixXd b(d.u.rows(), columns);
  for (Eigen::Index c = 0; c < columns; ++c) {
    b.col(c) = d.u.col(d.picks[static_cast<std::size_t>(c)]) - d.u_mean;
  }
  b = d.scales.asDiagonal() * b;
  // Mean and population std of the columns of m.
  auto moments = [](const Eigen::MatrixXd& m) {
    const Eigen::VectorXd mu = m.rowwise().mean();
    const Eigen::VectorXd sd =
        ((m.colwise() - mu).array().square().rowwise().mean()).sqrt().matrix();
    return std::pair{mu, sd};
  };
  switch (mode) {
    case Standardization::dataset: return d.std.cwiseInverse().asDiagonal() * b;
    case Standardization::none: return b.colwise() + d.mean;
    case Standardization::each_batch: {
      const auto [mu, sd] = moments(b);
      return sd.cwiseInverse().asDiagonal() * (b.colwise() - mu);
    }
    case Standardization::first_batch: {
      const Eigen::MatrixXd head =
          d.scales.asDiagonal() * (d.u.leftCols(columns).colwise() - d.u_mean);
      const auto [mu, sd] = moments(head);
      return sd.cwiseInverse().asDiagonal() * (b.colwise() - mu);
    }
    case Standardization::std_10pct_high: return (1.1 * d.std).cwiseInverse().asDiagonal() * b;
  }
  throw std::logic_error("draw_dataset: unknown standardization");
}

}  // namespace

InputBatchStats whiten_batch(const Eigen::MatrixXd& correlation, const Eigen::MatrixXf& batch,
                             std::int64_t dataset_size) {
  const Eigen::LLT<Eigen::MatrixXd, Eigen::Lower> llt(correlation);
  if (llt.info() != Eigen::Success) {
    throw std::runtime_error("whiten_batch: the correlation matrix is not positive definite");
  }
  const auto n = static_cast<double>(batch.cols());
  const auto big_n = static_cast<double>(dataset_size);
  Eigen::MatrixXd centered = batch.cast<double>();
  Eigen::VectorXd mu = centered.rowwise().mean();
  centered.colwise() -= mu;
  llt.matrixL().solveInPlace(mu);  // L⁻¹μ: ‖L⁻¹μ‖² = μᵀĈ⁻¹μ
  llt.matrixL().solveInPlace(centered);
  InputBatchStats s;
  s.dataset_size = dataset_size;
  s.batch_size = batch.cols();
  s.rank = correlation.rows();
  s.mean_form = n * (big_n - 1.0) / (big_n - n) * mu.squaredNorm();
  if (batch.cols() >= 2) {
    s.covariance_form = (big_n - 1.0) / ((n - 1.0) * big_n) * centered.squaredNorm();
  }
  return s;
}

DatasetBatch draw_dataset(std::int64_t features, std::int64_t columns, Standardization mode,
                          rng::Engine& engine) {
  const Dataset d = generate(features, columns, engine);
  DatasetBatch out{standardized_batch(d, mode).cast<float>(), {}};
  // Ĉ = D_u⁻¹·(U Uᵀ/N − ūūᵀ)·D_u⁻¹ (the correlation of x = m + D·u is that of u), lower
  // triangle; ū ~ 1/√N, so the uncentered product loses nothing to cancellation.
  const auto big_n = static_cast<double>(d.u.cols());
  Eigen::MatrixXd c = Eigen::MatrixXd::Zero(features, features);
  c.selfadjointView<Eigen::Lower>().rankUpdate(d.u, 1.0 / big_n);
  c.selfadjointView<Eigen::Lower>().rankUpdate(d.u_mean, -1.0);
  const Eigen::VectorXd inv_std = d.u_std.cwiseInverse();
  c = inv_std.asDiagonal() * c * inv_std.asDiagonal();
  out.stats = whiten_batch(c, out.batch, d.u.cols());
  release_large_buffer();
  return out;
}

DatasetBatch draw_dataset_input(const model::NetworkConfig& config, rng::Engine& engine) {
  config.validate();
  if (config.input != model::InputKind::dataset_normalized &&
      config.input != model::InputKind::dataset_unnormalized) {
    throw InputError("draw_dataset_input: the input kind is not dataset_*");
  }
  return draw_dataset(config.widths[0], config.batch * config.columns_per_sample(),
                      config.input == model::InputKind::dataset_normalized
                          ? Standardization::dataset
                          : Standardization::none,
                      engine);
}

Eigen::MatrixXf draw_dataset_batch(std::int64_t features, std::int64_t columns, bool normalize,
                                   rng::Engine& engine) {
  Eigen::MatrixXf batch =
      standardized_batch(generate(features, columns, engine),
                         normalize ? Standardization::dataset : Standardization::none)
          .cast<float>();
  release_large_buffer();
  return batch;
}

}  // namespace initcheck::engine
