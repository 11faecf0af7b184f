#pragma once
/// A finite dataset behind the `dataset_*` input kinds: drawn once per replicate, standardized
/// per feature with the dataset's own mean and std (or left raw), batches drawn without
/// replacement; and the batch's whitened statistics against its dataset (the pivots of the
/// `batch-stats` claim, computed here because only here the whole dataset exists).

#include <Eigen/Core>
#include <cstdint>

#include "initcheck/engine/trace.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::engine {

/// Dataset size N for batches of `columns` samples of `features` features:
/// max(kMinDatasetSize, 4·columns, 4·features) (N ≥ 4·n0 keeps the dataset's correlation matrix
/// well conditioned: its noise part's smallest eigenvalue is ≈ (1 − ½)² of its mean).
inline constexpr std::int64_t kMinDatasetSize = 4096;
std::int64_t dataset_size(std::int64_t features, std::int64_t columns);

/// How the dataset is turned into network input. `dataset` is `--input dataset_normalized`,
/// `none` is `dataset_unnormalized`; the others are planted bugs for the tests of `batch-stats`.
enum class Standardization {
  dataset,         ///< (x − x̄)/s with the dataset's population mean x̄ and std s
  none,            ///< raw x
  each_batch,      ///< each batch standardized with its own mean and std
  first_batch,     ///< standardized with the mean and std of the dataset's first n samples
  std_10pct_high,  ///< (x − x̄)/(1.1·s): the dataset std overestimated by 10 %
};

/// One drawn batch (n0 × n, as fed to the network) and its whitened statistics.
struct DatasetBatch {
  Eigen::MatrixXf batch;
  InputBatchStats stats;
};

/// Raw sample i, feature j: x_ij = m_j + s_j·(√½·e_ij + √½·ℓ_jᵀc_i): per-feature means
/// m_j ~ N(0, 1), scales s_j log-uniform on [¼, 4], loadings ℓ_j ~ N(0, I_k/k) of k = min(4, n0)
/// shared factors c_i ~ N(0, I_k) (a low-rank correlated component), noise e_ij ~ N(0, 1);
/// N = dataset_size(features, columns) samples. The dataset's population mean, std and
/// correlation matrix Ĉ are computed in double over all N samples; `columns` samples are drawn
/// without replacement (partial Fisher–Yates) and standardized per `mode`. The statistics
/// (whiten_batch) refer to Ĉ whatever the mode: the target is the correctly standardized batch.
DatasetBatch draw_dataset(std::int64_t features, std::int64_t columns, Standardization mode,
                          rng::Engine& engine);

/// make_input's batch for a dataset_* config (n0 = widths[0], n = batch·S² columns for conv)
/// from the same engine — the same values — with its statistics.
DatasetBatch draw_dataset_input(const model::NetworkConfig& config, rng::Engine& engine);

/// The batch of draw_dataset (`normalize`: Standardization::dataset, else none) without the
/// statistics (no correlation matrix is formed).
Eigen::MatrixXf draw_dataset_batch(std::int64_t features, std::int64_t columns, bool normalize,
                                   rng::Engine& engine);

/// Whitened statistics of `batch` (n0 × n, as fed; n < N) against a dataset of N samples with
/// population correlation matrix `correlation` (n0 × n0, positive definite; lower triangle read):
/// μ, Σ the batch mean and biased covariance (from the float values, in double),
/// T_m = n(N−1)/(N−n)·μᵀĈ⁻¹μ and T_v = n(N−1)/((n−1)N)·tr(Ĉ⁻¹Σ) (0 when n < 2), via Cholesky.
/// Throws std::runtime_error when `correlation` is not positive definite.
InputBatchStats whiten_batch(const Eigen::MatrixXd& correlation, const Eigen::MatrixXf& batch,
                             std::int64_t dataset_size);

}  // namespace initcheck::engine
