#pragma once
/// A Haar-distributed orthogonal matrix, shared by orthogonal and delta_orthogonal (private).

#include <Eigen/Core>

#include "initcheck/rng/engine.hpp"

namespace initcheck::init::detail {

/// Fills `out` with gain·Q: Q from the QR decomposition of a Gaussian matrix (drawn in double)
/// with the columns of Q multiplied by sign(diag R), which makes Q Haar-distributed (Mezzadri
/// 2007). For rows < cols the Gaussian matrix is cols × rows and Q is transposed, so the rows
/// of `out` are orthonormal·gain; otherwise the columns are. PyTorch's orthogonal_ semantics.
void fill_orthogonal(Eigen::Ref<Eigen::MatrixXf> out, double gain, rng::Engine& engine);

/// Kurtosis of one entry of a Haar orthogonal matrix with m = max(rows, cols): each entry is a
/// coordinate of a uniform unit vector in R^m, E[x²] = 1/m, E[x⁴] = 3/(m(m+2)), so 3m/(m+2).
inline double orthogonal_entry_kurtosis(double m) {
  return 3.0 * m / (m + 2.0);
}

}  // namespace initcheck::init::detail
