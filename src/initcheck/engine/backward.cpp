// The backward pass of L = Σ upstream ⊙ output: single thread, full-batch matrices, fp32.
#include <cmath>
#include <stdexcept>

#include "initcheck/engine/detail/network_impl.hpp"
#include "initcheck/engine/detail/sample_norm.hpp"
#include "initcheck/nn/layers.hpp"

namespace initcheck::engine::detail {
namespace {

using Eigen::Index;

double mean_square(const Eigen::Ref<const Eigen::MatrixXf>& m) {
  if (m.size() == 0) return 0.0;
  double s = 0.0;
  for (Index j = 0; j < m.cols(); ++j) {
    for (Index i = 0; i < m.rows(); ++i) {
      const double v = m(i, j);
      s += v * v;
    }
  }
  return s / static_cast<double>(m.size());
}

}  // namespace

/// Backprop of layer l from ∂L/∂h (g_out) to ∂L/∂(input) written into `target`.
void NetworkImpl::layer_backward(int l, const MapF& g_out, const MapF& target, LayerTrace& lt) {
  const auto ul = static_cast<std::size_t>(l);
  const LayerLayout& li = layout.layers[ul];
  const Index rows = li.out_units;
  const Index cols = li.z.cols;
  lt.grad_post_sq = mean_square(g_out);
  MapF gy(grad_arena.data() + layout.grad_y.offset, rows, cols);
  MapF gz(grad_arena.data() + layout.grad_z.offset, rows, cols);
  MapF src = layout.has_norm ? map(li.y) : map(li.z);
  if (li.activated) {
    nn::activation_backward(cfg.activation, src, g_out, gy);
  } else {
    gy = g_out;
  }
  if (cfg.layer_norm() == model::Norm::batchnorm) {
    nn::batchnorm_backward(map(li.y), norm_inv_std[ul], gy, gz);
  } else if (layout.has_norm) {
    sample_norm_backward(cfg.layer_norm(), map(li.y), norm_inv_std[ul], li.out_hw, gy, gz);
  } else {
    gz = gy;
  }
  lt.grad_pre_sq = mean_square(gz);
  if (layout.is_conv) {
    nn::conv2d_backward(li.conv, weights[ul], map(li.in), gz, target, weight_grads[ul],
                        bias_grads[ul], conv_ws_full);
  } else {
    nn::dense_backward(weights[ul], map(li.in), gz, target, weight_grads[ul], bias_grads[ul]);
  }
  lt.grad_weight_sq = mean_square(weight_grads[ul]);
  lt.grad_input_sq = mean_square(target);
}

void NetworkImpl::backward(const Eigen::Ref<const Eigen::MatrixXf>& upstream, Trace& trace) {
  if (!opts.backward) throw std::logic_error("Network::backward: TraceOptions::backward is off");
  if (!forward_done) throw std::logic_error("Network::backward: call forward first");
  const Slot& out = layout.output();
  if (upstream.rows() != out.rows || upstream.cols() != out.cols) {
    throw std::invalid_argument("Network::backward: upstream shape does not match the output");
  }
  trace.grad_output_sq = mean_square(upstream);
  if (layout.is_transformer) {
    transformer_backward(upstream, trace);
  } else if (!layout.is_resnet) {
    gmap(layout.grad_out.back()) = upstream;
    for (int l = layout.num_layers - 1; l >= 0; --l) {
      const auto ul = static_cast<std::size_t>(l);
      MapF target = l == 0 ? gmap(layout.grad_x0) : gmap(layout.grad_out[ul - 1]);
      layer_backward(l, gmap(layout.grad_out[ul]), target, trace.layers[ul]);
    }
  } else {
    MapF gs = gmap(layout.grad_stream);
    gs = upstream;
    const int m = cfg.block_layers;
    const auto alpha = static_cast<float>(cfg.branch_scale);
    const model::Norm stream_norm = cfg.stream_norm();
    for (int b = layout.num_blocks - 1; b >= 0; --b) {
      const auto ub = static_cast<std::size_t>(b);
      trace.blocks[ub].grad_stream_sq = mean_square(gs);
      if (layout.post_norm) {  // x_{b+1} = N(sum): gs becomes ∂L/∂sum
        MapF gn = gmap(layout.grad_stream_norm);
        sample_norm_backward(stream_norm, map(layout.streams[ub + 1]), stream_norm_inv_std[ub], 1,
                             gs, gn);
        gs = gn;
      }
      const int lastl = (b + 1) * m - 1;
      gmap(layout.grad_out[static_cast<std::size_t>(lastl)]) = alpha * gs;
      for (int l = lastl; l >= b * m; --l) {
        const auto ul = static_cast<std::size_t>(l);
        MapF target = l == b * m ? gmap(layout.grad_tmp) : gmap(layout.grad_out[ul - 1]);
        layer_backward(l, gmap(layout.grad_out[ul]), target, trace.layers[ul]);
      }
      if (layout.pre_norm) {  // the branch read N(x_b): through the norm to ∂L/∂x_b
        MapF gn = gmap(layout.grad_stream_norm);
        sample_norm_backward(stream_norm, map(layout.branch_inputs[ub]), stream_norm_inv_std[ub], 1,
                             gmap(layout.grad_tmp), gn);
        gs += gn;
      } else {
        gs += gmap(layout.grad_tmp);
      }
    }
  }
  trace.grad_input_sq = mean_square(gmap(layout.grad_x0));
  trace.has_backward = true;
  auto bad = [](double v) { return !std::isfinite(v); };
  if (bad(trace.grad_input_sq) || bad(trace.grad_output_sq)) trace.nonfinite = true;
  for (const LayerTrace& lt : trace.layers) {
    if (bad(lt.grad_post_sq) || bad(lt.grad_pre_sq) || bad(lt.grad_weight_sq)) {
      trace.nonfinite = true;
    }
  }
}

}  // namespace initcheck::engine::detail
