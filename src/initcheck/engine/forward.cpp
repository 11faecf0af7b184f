// The forward pass: the batch runs as fixed slices (on one or two threads); every stored tensor
// is rounded and its statistics accumulated chunk by chunk.
#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <vector>

#include "initcheck/engine/detail/network_impl.hpp"
#include "initcheck/engine/detail/sample_norm.hpp"
#include "initcheck/engine/detail/token_cosine.hpp"
#include "initcheck/nn/gemm.hpp"
#include "initcheck/nn/layers.hpp"
#include "initcheck/precision/rounding.hpp"

namespace initcheck::engine::detail {
namespace {

using Eigen::Index;
using precision::PrecisionEvents;

/// Floats per column chunk of the fused round/statistics/activation pass (stays in L1/L2).
constexpr Index kChunkFloats = 8192;

Index chunk_cols(Index rows) {
  return std::max<Index>(1, kChunkFloats / std::max<Index>(rows, 1));
}

double* norms_ptr(std::vector<double>& v) {
  return v.empty() ? nullptr : v.data();
}

}  // namespace

void NetworkImpl::forward(const Eigen::Ref<const Eigen::MatrixXf>& input, Trace& trace) {
  if (input.rows() != layout.x0.rows || input.cols() != layout.x0.cols) {
    throw std::invalid_argument("Network::forward: input shape does not match the network");
  }
  prepare_trace(trace);
  map(layout.x0) = input;
  for (int s = 0; s < layout.slices; ++s) {
    std::fill(pair_sum[s].begin(), pair_sum[s].end(), 0.0);
    for (auto& a : acc[s]) a.reset();
    std::fill(events[s].begin(), events[s].end(), PrecisionEvents{});
  }
  if (layout.is_transformer) {
    for (int s = 0; s < layout.slices; ++s) input_slice(s, trace);
    transformer_forward(trace);
  } else if (!sync_mode && !layout.is_conv && !runner.parallel()) {
    // One thread, dense: layer by layer, one GEMM call for all slices (packs W_l once).
    for (int s = 0; s < layout.slices; ++s) input_slice(s, trace);
    for (int l = 0; l < layout.num_layers; ++l) {
      for (int s = 0; s < layout.slices; ++s) branch_input_slice(l, s, trace);
      dense_slices(l, 0, layout.slices);
      for (int s = 0; s < layout.slices; ++s) layer_slice_pipeline(l, s, trace, true);
    }
  } else if (!sync_mode && layout.slices_independent) {
    auto all = [&](int s) {
      input_slice(s, trace);
      for (int l = 0; l < layout.num_layers; ++l) {
        branch_input_slice(l, s, trace);
        layer_slice_pipeline(l, s, trace);
      }
    };
    runner.run(layout.slices, all);
  } else {
    auto in = [&](int s) { input_slice(s, trace); };
    runner.run(layout.slices, in);
    for (int l = 0; l < layout.num_layers; ++l) {
      if (layout.pre_norm) {
        auto branch_in = [&](int s) { branch_input_slice(l, s, trace); };
        runner.run(layout.slices, branch_in);
      }
      if (opts.gram) gram_of_input(l, trace);
      const LayerLayout& li = layout.layers[static_cast<std::size_t>(l)];
      if (cfg.layer_norm() == model::Norm::batchnorm) {
        auto lin = [&](int s) { linear_slice(l, s, trace); };
        runner.run(layout.slices, lin);
        auto bn = [&](int part) { batchnorm_rows(l, part); };
        runner.run(layout.slices, bn);
        auto post = [&](int s) {
          post_slice(l, s, trace);
          if (li.last_in_block) stream_slice(li.block, s, trace);
        };
        runner.run(layout.slices, post);
      } else {
        auto step = [&](int s) { layer_slice_pipeline(l, s, trace); };
        runner.run(layout.slices, step);
      }
    }
  }
  finalize(trace);
  forward_done = true;
}

Index NetworkImpl::col_begin(int s, Index hw) const {
  return layout.slice_begin[s] * hw;
}
Index NetworkImpl::col_count(int s, Index hw) const {
  return (layout.slice_begin[s + 1] - layout.slice_begin[s]) * hw;
}

/// Rounds columns [c0, c0+nc) of `t` in place, adding to events[s][id], and accumulates them.
void NetworkImpl::store_chunk(int s, int id, MapF& t, Index c0, Index nc, double* sample_norms,
                              Index hw) {
  float* p = t.data() + c0 * t.rows();
  if (cfg.precision != precision::Format::fp32) {
    events[s][static_cast<std::size_t>(id)] += precision::round_to_format(
        cfg.precision, std::span<float>(p, static_cast<std::size_t>(nc * t.rows())));
  }
  acc[s][static_cast<std::size_t>(id)].add(p, nc, sample_norms, c0, hw);
}

/// Rounds + accumulates all columns of slice s of tensor `t` (no activation).
void NetworkImpl::store_slice(int s, int id, MapF t, Index hw, double* sample_norms) {
  const Index c0 = col_begin(s, hw);
  const Index nc = col_count(s, hw);
  const Index step = chunk_cols(t.rows());
  for (Index c = c0; c < c0 + nc; c += step) {
    store_chunk(s, id, t, c, std::min(step, c0 + nc - c), sample_norms, hw);
  }
}

void NetworkImpl::input_slice(int s, Trace& trace) {
  const Index hw = layout.x0.cols / layout.batch;  // pixels (conv), tokens (transformer) or 1
  store_slice(s, 0, map(layout.x0), hw, norms_ptr(trace.input_sq_norms));
  if (!opts.pair_cosines) return;
  if (layout.is_transformer) {
    token_slice(s, 0, map(layout.x0).middleCols(col_begin(s, hw), col_count(s, hw)));
  } else {
    pair_slice(s, 0, map(layout.x0), hw);
  }
}

void NetworkImpl::token_slice(int s, int unit, const Eigen::Ref<const Eigen::MatrixXf>& t) {
  pair_sum[s][static_cast<std::size_t>(unit)] +=
      sum_token_cosines(t, layout.block_shape.tokens, token_direction_sum[s]);
}

void NetworkImpl::pair_slice(int s, int unit, const MapF& t, Index hw) {
  const Index floats = t.rows() * hw;  // one sample: its hw columns are contiguous
  double sum = 0.0;
  for (Index b = layout.slice_begin[s]; b + 1 < layout.slice_begin[s + 1]; b += 2) {
    const float* u = t.data() + b * floats;
    const float* v = u + floats;
    double uv = 0.0;
    double uu = 0.0;
    double vv = 0.0;
    for (Index i = 0; i < floats; ++i) {
      const double x = u[i];
      const double y = v[i];
      uv += x * y;
      uu += x * x;
      vv += y * y;
    }
    if (uu > 0.0 && vv > 0.0) {
      sum += uv / std::sqrt(uu * vv);
    } else if (uu == 0.0 && vv == 0.0) {
      sum += 1.0;  // both 0: identical representations
    } else if (!(uu >= 0.0 && vv >= 0.0)) {
      sum += uv + uu + vv;  // NaN or inf propagates
    }
  }
  pair_sum[s][static_cast<std::size_t>(unit)] += sum;
}

/// z = W·h_in (+b) of dense layer l for slices first … last−1 in one GEMM call (the weight
/// panels are packed once for all of them); per-column results are the same for any split.
void NetworkImpl::dense_slices(int l, int first, int last) {
  const auto ul = static_cast<std::size_t>(l);
  const LayerLayout& li = layout.layers[ul];
  MapF z = map(li.z);
  nn::gemm_column_groups(
      weights[ul], map(li.in), z,
      std::span<const Index>(layout.slice_begin, static_cast<std::size_t>(layout.slices) + 1),
      first, last);
  if (biases[ul].size() != 0) {
    for (int s = first; s < last; ++s) {
      z.middleCols(col_begin(s, 1), col_count(s, 1)).colwise() += biases[ul];
    }
  }
}

/// Layer l on slice s: the linear step (unless `linear_done`), then norm/activation/stats.
void NetworkImpl::linear_slice(int l, int s, Trace& trace, bool linear_done) {
  const auto ul = static_cast<std::size_t>(l);
  const LayerLayout& li = layout.layers[ul];
  MapF in = map(li.in);
  MapF z = map(li.z);
  const Index ic0 = col_begin(s, li.in_hw);
  const Index inc = col_count(s, li.in_hw);
  const Index oc0 = col_begin(s, li.out_hw);
  const Index onc = col_count(s, li.out_hw);
  if (layout.is_conv) {
    nn::conv2d_forward(li.conv_slice[s], weights[ul], biases[ul], in.middleCols(ic0, inc),
                       z.middleCols(oc0, onc), conv_ws[s]);
  } else if (!linear_done) {
    dense_slices(l, s, s + 1);
  }
  double* pre_norms = norms_ptr(trace.layers[ul].pre_sq_norms);
  if (!layout.has_norm) {
    post_slice(l, s, trace);  // fused: round z, stats of z, φ, round h, stats of h
    return;
  }
  store_slice(s, li.pre_acc, z, li.out_hw, pre_norms);
  if (cfg.layer_norm() != model::Norm::batchnorm) {  // per sample: this slice alone
    const Index b0 = layout.slice_begin[s];
    const Index nb = layout.slice_begin[s + 1] - layout.slice_begin[s];
    sample_norm_forward(cfg.layer_norm(), z.middleCols(oc0, onc), cfg.bn_eps, li.out_hw,
                        map(li.y).middleCols(oc0, onc), norm_mean[ul].segment(b0, nb),
                        norm_inv_std[ul].segment(b0, nb));
    post_slice(l, s, trace);
  }
}

void NetworkImpl::branch_input_slice(int l, int s, Trace& trace) {
  const auto ul = static_cast<std::size_t>(l);
  const LayerLayout& li = layout.layers[ul];
  if (!layout.pre_norm || !li.first_in_block) return;
  const auto b = static_cast<std::size_t>(li.block);
  const Index c0 = col_begin(s, 1);
  const Index nc = col_count(s, 1);
  MapF u = map(layout.branch_inputs[b]);
  sample_norm_forward(cfg.stream_norm(), map(layout.streams[b]).middleCols(c0, nc), cfg.bn_eps, 1,
                      u.middleCols(c0, nc), stream_norm_mean[b].segment(c0, nc),
                      stream_norm_inv_std[b].segment(c0, nc));
  store_slice(s, layout.branch_input_acc[b], u, 1, norms_ptr(trace.layers[ul].input_sq_norms));
}

/// BatchNorm on row part `part` of layer l (rows are independent).
void NetworkImpl::batchnorm_rows(int l, int part) {
  const auto ul = static_cast<std::size_t>(l);
  const LayerLayout& li = layout.layers[ul];
  const Index r0 = li.out_units * part / layout.slices;
  const Index nr = li.out_units * (part + 1) / layout.slices - r0;
  if (nr == 0) return;
  nn::batchnorm_forward(map(li.z).middleRows(r0, nr), cfg.bn_eps, map(li.y).middleRows(r0, nr),
                        norm_mean[ul].segment(r0, nr), norm_inv_std[ul].segment(r0, nr));
}

/// The fused pass over slice s of layer l after the linear (and norm) step.
void NetworkImpl::post_slice(int l, int s, Trace& trace) {
  const auto ul = static_cast<std::size_t>(l);
  const LayerLayout& li = layout.layers[ul];
  MapF src = layout.has_norm ? map(li.y) : map(li.z);
  const int src_acc = layout.has_norm ? li.norm_acc : li.pre_acc;
  double* src_norms = layout.has_norm ? nullptr : norms_ptr(trace.layers[ul].pre_sq_norms);
  MapF h = map(li.h);
  double* post_norms =
      li.post_norms_to >= 0
          ? norms_ptr(trace.layers[static_cast<std::size_t>(li.post_norms_to)].input_sq_norms)
          : (l + 1 == layout.num_layers && !layout.is_resnet ? norms_ptr(trace.output_sq_norms)
                                                             : nullptr);
  const Index c0 = col_begin(s, li.out_hw);
  const Index nc = col_count(s, li.out_hw);
  const Index step = chunk_cols(li.out_units);
  // fp32 ReLU: one fused pass (stats of z, h = relu(z), stats of h); nothing is rounded.
  const bool fused_relu = li.activated && cfg.precision == precision::Format::fp32 &&
                          cfg.activation.kind == nn::ActivationKind::relu;
  for (Index c = c0; c < c0 + nc; c += step) {
    const Index n = std::min(step, c0 + nc - c);
    if (fused_relu) {
      add_relu(acc[s][static_cast<std::size_t>(src_acc)],
               acc[s][static_cast<std::size_t>(li.post_acc)], src.data() + c * src.rows(),
               h.data() + c * h.rows(), n, src_norms, post_norms, c, li.out_hw);
      continue;
    }
    store_chunk(s, src_acc, src, c, n, src_norms, li.out_hw);
    if (li.activated) {
      nn::activation_forward(cfg.activation, src.middleCols(c, n), h.middleCols(c, n));
      store_chunk(s, li.post_acc, h, c, n, post_norms, li.out_hw);
    }
  }
  if (opts.pair_cosines && !layout.is_resnet) pair_slice(s, l + 1, h, li.out_hw);
}

/// Residual add for block b on slice s: x_{b+1} = x_b + α·F (post placement: N of that sum).
void NetworkImpl::stream_slice(int b, int s, Trace& trace) {
  const auto ub = static_cast<std::size_t>(b);
  const LayerLayout& last = layout.layers[static_cast<std::size_t>((b + 1) * cfg.block_layers - 1)];
  MapF f = map(last.h);
  MapF xin = map(layout.streams[ub]);
  MapF xout = map(layout.streams[ub + 1]);
  MapF sum = layout.post_norm ? map(layout.sums[ub]) : xout;
  const int sum_id = layout.post_norm ? layout.sum_acc[ub] : layout.stream_acc[ub + 1];
  const auto alpha = static_cast<float>(cfg.branch_scale);
  const int next = (b + 1) * cfg.block_layers;
  // Per-sample norms of the next layer's input: the stream, unless pre placement normalizes it
  // first (branch_input_slice records them then).
  double* norms =
      next >= layout.num_layers
          ? norms_ptr(trace.output_sq_norms)
          : (layout.pre_norm
                 ? nullptr
                 : norms_ptr(trace.layers[static_cast<std::size_t>(next)].input_sq_norms));
  const Index c0 = col_begin(s, 1);
  const Index nc = col_count(s, 1);
  const Index step = chunk_cols(xout.rows());
  for (Index c = c0; c < c0 + nc; c += step) {
    const Index n = std::min(step, c0 + nc - c);
    sum.middleCols(c, n).array() =
        xin.middleCols(c, n).array() + alpha * f.middleCols(c, n).array();
    store_chunk(s, sum_id, sum, c, n, layout.post_norm ? nullptr : norms, 1);
  }
  if (layout.post_norm) {
    sample_norm_forward(cfg.stream_norm(), sum.middleCols(c0, nc), cfg.bn_eps, 1,
                        xout.middleCols(c0, nc), stream_norm_mean[ub].segment(c0, nc),
                        stream_norm_inv_std[ub].segment(c0, nc));
    store_slice(s, layout.stream_acc[ub + 1], xout, 1, norms);
  }
  if (opts.pair_cosines) pair_slice(s, b + 1, xout, 1);
}

/// Everything of layer l (and the residual add after it) that slice s can do alone.
void NetworkImpl::layer_slice_pipeline(int l, int s, Trace& trace, bool linear_done) {
  linear_slice(l, s, trace, linear_done);
  const LayerLayout& li = layout.layers[static_cast<std::size_t>(l)];
  if (li.last_in_block) stream_slice(li.block, s, trace);
}

}  // namespace initcheck::engine::detail
