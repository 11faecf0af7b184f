#include <stdexcept>

#include "initcheck/nn/gemm.hpp"
#include "initcheck/nn/layers.hpp"

namespace initcheck::nn {

void dense_forward(const ConstMatRef& weights, const ConstVecRef& bias, const ConstMatRef& h,
                   MatRef z) {
  if (bias.size() != 0 && bias.size() != weights.rows()) {
    throw std::invalid_argument("dense_forward: bias size does not match the weight rows");
  }
  gemm(1.0f, weights, false, h, false, 0.0f, z);
  if (bias.size() != 0) z.colwise() += bias;
}

void dense_backward(const ConstMatRef& weights, const ConstMatRef& h, const ConstMatRef& grad_z,
                    MatRef grad_h, MatRef grad_w, VecRef grad_b) {
  if (grad_h.size() != 0) gemm(1.0f, weights, true, grad_z, false, 0.0f, grad_h);
  if (grad_w.size() != 0) gemm(1.0f, grad_z, false, h, true, 0.0f, grad_w);
  if (grad_b.size() != 0) {
    if (grad_b.size() != grad_z.rows()) {
      throw std::invalid_argument("dense_backward: grad_b size does not match grad_z rows");
    }
    grad_b.noalias() = grad_z.rowwise().sum();
  }
}

}  // namespace initcheck::nn
