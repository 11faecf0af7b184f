#pragma once
/// Internal: the per-sample norms (LayerNorm, RMSNorm) behind one call, for the norms after a
/// linear layer and the norms on a resnet's stream alike.

#include <cstdint>

#include "initcheck/model/network_config.hpp"
#include "initcheck/nn/layers.hpp"

namespace initcheck::engine::detail {

/// y = norm(z) per sample (`norm` is layernorm or rmsnorm); saves the per-sample statistics
/// (RMSNorm leaves `mean` untouched).
inline void sample_norm_forward(model::Norm norm, const nn::ConstMatRef& z, double eps,
                                std::int64_t group_columns, nn::MatRef y, nn::VecRef mean,
                                nn::VecRef inv_std) {
  if (norm == model::Norm::rmsnorm) {
    nn::rmsnorm_forward(z, eps, group_columns, y, inv_std);
  } else {
    nn::layernorm_forward(z, eps, group_columns, y, mean, inv_std);
  }
}

/// Backward of sample_norm_forward.
inline void sample_norm_backward(model::Norm norm, const nn::ConstMatRef& y,
                                 const nn::ConstVecRef& inv_std, std::int64_t group_columns,
                                 const nn::ConstMatRef& grad_y, nn::MatRef grad_z) {
  if (norm == model::Norm::rmsnorm) {
    nn::rmsnorm_backward(y, inv_std, group_columns, grad_y, grad_z);
  } else {
    nn::layernorm_backward(y, inv_std, group_columns, grad_y, grad_z);
  }
}

}  // namespace initcheck::engine::detail
