#include "initcheck/engine/input_data.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <vector>

#include "initcheck/rng/distributions.hpp"

namespace initcheck::engine {

std::int64_t dataset_size(std::int64_t columns) {
  return std::max(kMinDatasetSize, 4 * columns);
}

Eigen::MatrixXf draw_dataset_batch(std::int64_t features, std::int64_t columns, bool normalize,
                                   rng::Engine& engine) {
  const std::int64_t n = dataset_size(columns);
  const std::int64_t k = std::min<std::int64_t>(4, features);
  auto normals = [&](Eigen::Index rows, Eigen::Index cols) {
    Eigen::MatrixXd m(rows, cols);
    rng::fill_normal(engine, std::span<double>(m.data(), static_cast<std::size_t>(m.size())));
    return m;
  };
  const Eigen::MatrixXd means = normals(features, 1);
  const Eigen::MatrixXd loadings = normals(features, k) / std::sqrt(static_cast<double>(k));
  Eigen::VectorXd scales(features);
  for (Eigen::Index j = 0; j < features; ++j) {
    scales(j) = std::exp(std::log(4.0) * (2.0 * rng::uniform01(engine) - 1.0));
  }
  Eigen::MatrixXd x = std::sqrt(0.5) * (normals(features, n) + loadings * normals(k, n));
  x = (scales.asDiagonal() * x).colwise() + means.col(0);
  if (normalize) {
    const Eigen::VectorXd mu = x.rowwise().mean();
    x.colwise() -= mu;
    const Eigen::VectorXd sd = (x.array().square().rowwise().sum() / static_cast<double>(n)).sqrt();
    x = sd.cwiseInverse().asDiagonal() * x;
  }
  std::vector<std::int64_t> index(static_cast<std::size_t>(n));
  std::iota(index.begin(), index.end(), 0);
  Eigen::MatrixXf batch(features, columns);
  for (std::int64_t c = 0; c < columns; ++c) {
    const auto pick = c + std::min<std::int64_t>(
                              n - c - 1, static_cast<std::int64_t>(rng::uniform01(engine) *
                                                                   static_cast<double>(n - c)));
    std::swap(index[static_cast<std::size_t>(c)], index[static_cast<std::size_t>(pick)]);
    batch.col(c) = x.col(index[static_cast<std::size_t>(c)]).cast<float>();
  }
  return batch;
}

}  // namespace initcheck::engine
