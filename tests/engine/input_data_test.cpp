// The dataset inputs and the whitened batch statistics behind `batch-stats` (input_data.hpp):
// the finite-population identities E[T_m] = E[T_v] = n0 exactly (enumerating every batch of a
// tiny dataset), the χ² law's calibration and conservativeness over many datasets, and that
// draw_dataset_input reproduces make_input's batch. Planted standardization bugs are tested at
// the claim level (tests/claims/check_test.cpp).

#include "initcheck/engine/input_data.hpp"

#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <cmath>
#include <memory>
#include <vector>

#include "initcheck/engine/network.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/stats/variance_interval.hpp"
#include "test_support.hpp"

namespace initcheck::engine {
namespace {

/// Averages whiten_batch over all C(N, n) batches of the columns of `x` (n0 × N), whitened by the
/// population correlation matrix of `x`, after applying `feed` (a per-feature affine map) to x.
struct Averages {
  double mean_form = 0.0;
  double covariance_form = 0.0;
};
Averages average_over_all_batches(const Eigen::MatrixXd& x, const Eigen::MatrixXd& fed, int n) {
  const Eigen::Index big_n = x.cols();
  const Eigen::MatrixXd centered = x.colwise() - x.rowwise().mean();
  const Eigen::MatrixXd cov = centered * centered.transpose() / static_cast<double>(big_n);
  const Eigen::VectorXd inv_sd = cov.diagonal().cwiseSqrt().cwiseInverse();
  const Eigen::MatrixXd corr = inv_sd.asDiagonal() * cov * inv_sd.asDiagonal();
  Averages a;
  int batches = 0;
  std::vector<Eigen::Index> pick(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) pick[static_cast<std::size_t>(i)] = i;
  while (true) {
    Eigen::MatrixXf b(x.rows(), n);
    for (int c = 0; c < n; ++c) b.col(c) = fed.col(pick[static_cast<std::size_t>(c)]).cast<float>();
    const InputBatchStats s = whiten_batch(corr, b, big_n);
    a.mean_form += s.mean_form;
    a.covariance_form += s.covariance_form;
    ++batches;
    int k = n - 1;  // next n-subset in lexicographic order
    while (k >= 0 && pick[static_cast<std::size_t>(k)] == big_n - n + k) --k;
    if (k < 0) break;
    ++pick[static_cast<std::size_t>(k)];
    for (int j = k + 1; j < n; ++j) {
      pick[static_cast<std::size_t>(j)] = pick[static_cast<std::size_t>(j - 1)] + 1;
    }
  }
  a.mean_form /= batches;
  a.covariance_form /= batches;
  return a;
}

// Exact identities (no randomness in the assertion: all 792 batches of 5 of a 12-sample,
// 3-feature correlated dataset are enumerated). For the dataset standardized with its own
// population mean and std, E[T_m] = E[T_v] = n0 exactly; scaling the standardized data by 1/1.1
// gives E[T_v] = n0/1.21 and E[T_m] = n0/1.21; a shift δ adds n(N−1)/(N−n)·δᵀĈ⁻¹δ to E[T_m].
// Tolerance 1e-5 relative: the batch enters whiten_batch as float (relative rounding 6e-8 per
// entry; the forms are sums of squares of O(1) terms), all else is double.
TEST(InputData, WhitenedFormsHaveExactFinitePopulationExpectations) {
  const int n0 = 3;
  const int big_n = 12;
  const int n = 5;
  rng::Engine engine(5);
  Eigen::MatrixXd z(n0, big_n);
  rng::fill_normal(engine, std::span<double>(z.data(), static_cast<std::size_t>(z.size())));
  Eigen::MatrixXd x(n0, big_n);  // correlated, non-standardized features
  x.row(0) = 3.0 * z.row(0).array() + 2.0;
  x.row(1) = z.row(0) - 0.5 * z.row(1);
  x.row(2) = 0.25 * (z.row(1) + z.row(2)).array() - 1.0;
  const Eigen::MatrixXd centered = x.colwise() - x.rowwise().mean();
  const Eigen::VectorXd sd =
      (centered.array().square().rowwise().sum() / static_cast<double>(big_n)).sqrt();
  const Eigen::MatrixXd standardized = sd.cwiseInverse().asDiagonal() * centered;
  const Averages ok = average_over_all_batches(x, standardized, n);
  EXPECT_NEAR(ok.mean_form, n0, 1e-5 * n0);
  EXPECT_NEAR(ok.covariance_form, n0, 1e-5 * n0);
  const Averages scaled = average_over_all_batches(x, standardized / 1.1, n);
  EXPECT_NEAR(scaled.mean_form, n0 / 1.21, 1e-5 * n0);
  EXPECT_NEAR(scaled.covariance_form, n0 / 1.21, 1e-5 * n0);
  Eigen::VectorXd delta(n0);
  delta << 0.3, -0.2, 0.1;
  const Averages shifted = average_over_all_batches(x, standardized.colwise() + delta, n);
  const Eigen::MatrixXd corr = standardized * standardized.transpose() / big_n;
  const double excess = n * (big_n - 1.0) / (big_n - n) * delta.dot(corr.ldlt().solve(delta));
  EXPECT_NEAR(shifted.mean_form, n0 + excess, 1e-5 * n0);
  EXPECT_NEAR(shifted.covariance_form, n0, 1e-5 * n0);  // shift-invariant
}

TEST(InputData, DrawDatasetInputReproducesMakeInput) {
  model::NetworkConfig c =
      testing::mlp_config(24, 1, 16, std::make_shared<testing::GaussianScheme>(2.0));
  for (model::InputKind kind :
       {model::InputKind::dataset_normalized, model::InputKind::dataset_unnormalized}) {
    c.input = kind;
    for (model::Architecture arch : {model::Architecture::mlp, model::Architecture::conv}) {
      c.arch = arch;
      c.spatial = 4;
      rng::Engine e1(3);
      rng::Engine e2(3);
      const DatasetBatch d = draw_dataset_input(c, e1);
      EXPECT_EQ(d.batch, make_input(c, e2));  // bit for bit: same draws, same arithmetic
      EXPECT_EQ(d.stats.batch_size, d.batch.cols());
      EXPECT_EQ(d.stats.rank, 24);
      EXPECT_EQ(d.stats.dataset_size, dataset_size(24, d.batch.cols()));
    }
  }
}

// The χ² law over R = 600 datasets (n0 = 64 features, n = 32 of N = 4096): Σ T_m ≈ θ·χ²_{R·n0}
// and Σ (n−1)T_v ≈ θ·χ²_{R·n0·(n−1)} with θ = 1 exactly, so their α = 1e-9 χ² intervals
// contain 1 (a miss has probability ≤ 1e-9 if the law is right or conservative; seed fixed,
// deterministic). T_m is not over-dispersed: the α = 1e-9 interval for Var(T_m) reaches below
// χ²'s 2n0 (it would not if Var(T_m) ≥ 1.5·2n0; measured ≈ 1.0·2n0 here, 0.86·2n0 at n0 = 512,
// n = 128) and above 0.5·2n0 (not degenerate).
TEST(InputData, WhitenedFormsFollowTheirChiSquaredLaw) {
  const int replicates = 600;
  const std::int64_t n0 = 64;
  const std::int64_t n = 32;
  double sum_m = 0.0;
  double sum_m2 = 0.0;
  double sum_v = 0.0;
  const rng::Engine root(17);
  for (int r = 0; r < replicates; ++r) {
    rng::Engine e = root.split(static_cast<std::uint64_t>(r));
    const InputBatchStats s = draw_dataset(n0, n, Standardization::dataset, e).stats;
    sum_m += s.mean_form;
    sum_m2 += s.mean_form * s.mean_form;
    sum_v += (n - 1.0) * s.covariance_form;
  }
  const double level = 1.0 - 1e-9;
  const auto cm = stats::chi_squared_scale_interval(sum_m, replicates * n0, level);
  EXPECT_TRUE(cm.contains(1.0)) << cm.lower << " " << cm.upper;
  const auto cv = stats::chi_squared_scale_interval(sum_v, replicates * n0 * (n - 1.0), level);
  EXPECT_TRUE(cv.contains(1.0)) << cv.lower << " " << cv.upper;
  const double mean = sum_m / replicates;
  const double ss = sum_m2 - replicates * mean * mean;
  // T_m ≈ χ²_64: kurtosis 3 + 12/64.
  const auto var =
      stats::variance_interval_declared_kurtosis(ss, replicates, 3.0 + 12.0 / n0, level);
  EXPECT_LT(var.lower, 2.0 * n0);
  EXPECT_GT(var.upper, 0.5 * 2.0 * n0);
}

}  // namespace
}  // namespace initcheck::engine
