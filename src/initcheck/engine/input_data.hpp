#pragma once
/// A finite dataset behind the `dataset_*` input kinds: drawn once per replicate, normalized per
/// feature with the dataset's own mean and std (or left raw), batches drawn without replacement.

#include <Eigen/Core>
#include <cstdint>

#include "initcheck/engine/network_config.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::engine {

/// Dataset size N for a batch of `columns` samples: max(kMinDatasetSize, 4·columns).
inline constexpr std::int64_t kMinDatasetSize = 4096;
std::int64_t dataset_size(std::int64_t columns);

/// Raw sample i, feature j: x_ij = m_j + s_j·(√½·e_ij + √½·ℓ_jᵀc_i): per-feature means
/// m_j ~ N(0, 1), scales s_j log-uniform on [¼, 4], loadings ℓ_j ~ N(0, I_k/k) of k = min(4, n0)
/// shared factors c_i ~ N(0, I_k) (a low-rank correlated component), noise e_ij ~ N(0, 1).
/// `normalize`: each feature is then standardized with the dataset's population mean and std
/// (computed in double over all N samples). Returns the `columns` samples (n0 × columns) drawn
/// without replacement (partial Fisher–Yates).
Eigen::MatrixXf draw_dataset_batch(std::int64_t features, std::int64_t columns, bool normalize,
                                   rng::Engine& engine);

}  // namespace initcheck::engine
