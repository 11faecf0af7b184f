#pragma once
/// Layer kernels (forward and backward). Contract shared by nn/ and engine/.
///
/// Layout: an activation tensor is a float matrix with one ROW PER FEATURE / CHANNEL and one
/// COLUMN PER (sample, pixel): dense layers use C × B; conv layers use C × (B·H·W) with column
/// index (b·H + y)·W + x. Per-channel statistics (BatchNorm) are therefore row statistics in
/// both cases. Weights are fan_out × fan_in (conv: out_channels × (in_channels/groups·k·k),
/// OIHW flattened row-wise). No function here allocates unless documented (workspaces are
/// passed in).

#include <Eigen/Core>
#include <cstdint>

#include "initcheck/nn/activation.hpp"

namespace initcheck::nn {

using MatRef = Eigen::Ref<Eigen::MatrixXf>;
using ConstMatRef = Eigen::Ref<const Eigen::MatrixXf>;
using VecRef = Eigen::Ref<Eigen::VectorXf>;
using ConstVecRef = Eigen::Ref<const Eigen::VectorXf>;

/// φ applied elementwise: h = φ(z).
void activation_forward(const Activation& act, const ConstMatRef& z, MatRef h);
/// grad_z = grad_h ⊙ φ′(z).
void activation_backward(const Activation& act, const ConstMatRef& z, const ConstMatRef& grad_h,
                         MatRef grad_z);

/// z = W·h (+ bias broadcast over columns when bias.size() > 0).
void dense_forward(const ConstMatRef& weights, const ConstVecRef& bias, const ConstMatRef& h,
                   MatRef z);
/// grad_h = Wᵀ·grad_z; grad_w = grad_z·hᵀ; grad_b = row sums of grad_z (if grad_b.size() > 0).
void dense_backward(const ConstMatRef& weights, const ConstMatRef& h, const ConstMatRef& grad_z,
                    MatRef grad_h, MatRef grad_w, VecRef grad_b);

/// Geometry of a 2-D convolution (square kernel, symmetric zero padding).
struct Conv2dShape {
  std::int64_t in_channels = 1;
  std::int64_t out_channels = 1;
  int kernel = 3;
  int stride = 1;
  int padding = 1;
  int groups = 1;
  int height = 16;  ///< input height
  int width = 16;   ///< input width
  std::int64_t batch = 1;

  [[nodiscard]] int out_height() const { return (height + 2 * padding - kernel) / stride + 1; }
  [[nodiscard]] int out_width() const { return (width + 2 * padding - kernel) / stride + 1; }
  /// Floats needed by the workspace of conv2d_forward / conv2d_backward.
  [[nodiscard]] std::int64_t workspace_size() const;
};

/// Convolution by im2col + GEMM. x: in_channels × (B·H·W); z: out_channels × (B·H'·W').
void conv2d_forward(const Conv2dShape& shape, const ConstMatRef& weights, const ConstVecRef& bias,
                    const ConstMatRef& x, MatRef z, Eigen::Ref<Eigen::VectorXf> workspace);
/// Gradients of conv2d_forward w.r.t. x, weights and bias (grad_b skipped when empty).
void conv2d_backward(const Conv2dShape& shape, const ConstMatRef& weights, const ConstMatRef& x,
                     const ConstMatRef& grad_z, MatRef grad_x, MatRef grad_w, VecRef grad_b,
                     Eigen::Ref<Eigen::VectorXf> workspace);

/// Training-mode BatchNorm, γ = 1, β = 0: each row normalized by its batch mean and biased
/// variance σ²: y = (z − μ)/√(σ² + ε), so Var(y) = σ²/(σ² + ε) exactly. Saves μ and 1/√(σ²+ε)
/// per row in `mean` and `inv_std` for the backward pass.
void batchnorm_forward(const ConstMatRef& z, double eps, MatRef y, VecRef mean, VecRef inv_std);
/// Backward of batchnorm_forward (batch statistics are differentiated through).
void batchnorm_backward(const ConstMatRef& y, const ConstVecRef& inv_std, const ConstMatRef& grad_y,
                        MatRef grad_z);

/// LayerNorm over the features of each sample (each column for dense; for conv, each sample's
/// C·H·W values), γ = 1, β = 0. `group_columns` = H·W for conv, 1 for dense.
void layernorm_forward(const ConstMatRef& z, double eps, std::int64_t group_columns, MatRef y,
                       VecRef mean, VecRef inv_std);
/// Backward of layernorm_forward.
void layernorm_backward(const ConstMatRef& y, const ConstVecRef& inv_std,
                        std::int64_t group_columns, const ConstMatRef& grad_y, MatRef grad_z);

/// RMSNorm over the same groups as layernorm_forward, γ = 1, no centring:
/// y = z/√(mean(z²) + ε). Saves 1/√(mean(z²) + ε) per sample in `inv_rms`.
void rmsnorm_forward(const ConstMatRef& z, double eps, std::int64_t group_columns, MatRef y,
                     VecRef inv_rms);
/// Backward of rmsnorm_forward: grad_z = s·(g − y·mean(g⊙y)), s = 1/√(mean(z²) + ε).
void rmsnorm_backward(const ConstMatRef& y, const ConstVecRef& inv_rms, std::int64_t group_columns,
                      const ConstMatRef& grad_y, MatRef grad_z);

}  // namespace initcheck::nn
