#pragma once
/// Eigen aliases used across initcheck.

#include <Eigen/Core>

namespace initcheck {

/// Column-major float matrix; activations are features × batch (one sample per column).
using MatrixF = Eigen::MatrixXf;
using VectorF = Eigen::VectorXf;
using MatrixD = Eigen::MatrixXd;
using VectorD = Eigen::VectorXd;

}  // namespace initcheck
