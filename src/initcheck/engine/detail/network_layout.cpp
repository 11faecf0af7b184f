#include "initcheck/engine/detail/network_layout.hpp"

#include <algorithm>

#include "initcheck/model/layer_fan.hpp"

namespace initcheck::engine::detail {
namespace {

using Eigen::Index;

Index round_up(Index x) {
  return (x + kArenaAlign - 1) / kArenaAlign * kArenaAlign;
}

/// Hands out aligned slots one after another.
class ArenaPlanner {
 public:
  Slot alloc(Index rows, Index cols) {
    Slot s{used_, rows, cols};
    used_ += round_up(rows * cols);
    return s;
  }
  /// A buffer of `floats` that tensors of any shape up to that size share.
  Slot shared(Index floats) {
    Slot s{used_, 0, 0};
    used_ += round_up(floats);
    return s;
  }
  [[nodiscard]] Index used() const { return used_; }

 private:
  Index used_ = 0;
};

}  // namespace

NetworkLayout::NetworkLayout(const model::NetworkConfig& cfg, const TraceOptions& opts) {
  cfg.validate();
  if (cfg.arch == model::Architecture::transformer) {
    plan_transformer(cfg, opts.backward);
    return;
  }
  is_conv = cfg.arch == model::Architecture::conv;
  is_resnet = cfg.arch == model::Architecture::resnet;
  has_norm = cfg.layer_norm() != model::Norm::none;
  pre_norm = cfg.norm_placement == model::NormPlacement::pre;
  post_norm = cfg.norm_placement == model::NormPlacement::post;
  batch = cfg.batch;
  // Pair runs cut the batch between pairs (2i, 2i+1), so each slice sees whole pairs.
  const Index pair_unit = opts.pair_cosines ? 2 : 1;
  slices = static_cast<int>(std::clamp<Index>(batch / pair_unit, 1, kSlices));
  for (int s = 0; s < slices; ++s) slice_begin[s] = pair_unit * (batch / pair_unit * s / slices);
  slice_begin[slices] = batch;
  const int m = is_resnet ? cfg.block_layers : 1;
  num_blocks = is_resnet ? cfg.depth() : 0;
  num_layers = model::weight_layer_count(cfg);
  const bool keep = opts.backward;
  const int pad = cfg.padding < 0 ? cfg.kernel / 2 : cfg.padding;

  // Shapes.
  layers.resize(static_cast<std::size_t>(num_layers));
  Index hw_side = is_conv ? cfg.spatial : 1;
  for (int l = 0; l < num_layers; ++l) {
    LayerLayout& li = layers[static_cast<std::size_t>(l)];
    const int unit = is_resnet ? l / m : l;  // index into widths
    li.block = is_resnet ? l / m : -1;
    li.first_in_block = is_resnet && l % m == 0;
    li.last_in_block = is_resnet && l % m == m - 1;
    li.activated = !li.last_in_block;
    li.in_units = cfg.widths[static_cast<std::size_t>(unit)];
    li.out_units = cfg.widths[static_cast<std::size_t>(unit) + (is_resnet ? 0U : 1U)];
    if (is_conv) {
      nn::Conv2dShape shape;
      shape.in_channels = li.in_units;
      shape.out_channels = li.out_units;
      shape.kernel = cfg.kernel;
      shape.stride = cfg.stride;
      shape.padding = pad;
      shape.groups = cfg.groups;
      shape.height = static_cast<int>(hw_side);
      shape.width = static_cast<int>(hw_side);
      shape.batch = batch;
      li.conv = shape;
      for (int s = 0; s < slices; ++s) {
        li.conv_slice[s] = shape;
        li.conv_slice[s].batch = slice_begin[s + 1] - slice_begin[s];
        slice_workspace[s] = std::max(slice_workspace[s], li.conv_slice[s].workspace_size());
      }
      li.in_hw = hw_side * hw_side;
      hw_side = shape.out_height();
      li.out_hw = hw_side * hw_side;
    }
    li.fan = model::layer_fan(cfg, l);
    li.fan_in = li.fan.fan_in();
  }

  // Forward arena and accumulator ids.
  ArenaPlanner arena;
  auto new_acc = [&](Index rows) {
    acc_rows.push_back(rows);
    return num_acc() - 1;
  };
  const Index n0 = cfg.widths[0];
  x0 = arena.alloc(n0, batch * (is_conv ? static_cast<Index>(cfg.spatial) * cfg.spatial : 1));
  new_acc(n0);  // id 0: the input
  Index max_out = 0;
  for (const LayerLayout& li : layers) {
    const Index out = li.out_units * batch * li.out_hw;
    if (!keep && max_out > 0 && out != max_out) slices_independent = false;
    max_out = std::max(max_out, out);
  }
  Slot shared_z;
  Slot shared_y;
  Slot shared_h[2];
  if (!keep) {
    shared_z = arena.shared(max_out);
    if (has_norm) shared_y = arena.shared(max_out);
    for (Slot& s : shared_h) s = arena.shared(max_out);
  }
  // The stream's norm (pre: branch input, post: the sum before the norm); n0 × batch.
  Slot shared_stream_norm;
  if (!keep && (pre_norm || post_norm)) shared_stream_norm = arena.shared(n0 * batch);
  auto slot_for = [&](const Slot& shared, Index rows, Index cols) {
    if (keep) return arena.alloc(rows, cols);
    return Slot{shared.offset, rows, cols};
  };
  if (is_resnet) {
    streams.push_back(x0);
    stream_acc.push_back(0);
  }
  Slot prev = x0;
  int prev_acc = 0;
  for (int l = 0; l < num_layers; ++l) {
    LayerLayout& li = layers[static_cast<std::size_t>(l)];
    const Index cols = batch * li.out_hw;
    if (li.first_in_block) {
      prev = streams.back();
      prev_acc = stream_acc.back();
      if (pre_norm) {
        branch_inputs.push_back(slot_for(shared_stream_norm, n0, batch));
        branch_input_acc.push_back(new_acc(n0));
        prev = branch_inputs.back();
        prev_acc = branch_input_acc.back();
      }
    }
    li.in = prev;
    li.in_acc = prev_acc;
    li.z = slot_for(shared_z, li.out_units, cols);
    li.pre_acc = new_acc(li.out_units);
    if (has_norm) {
      li.y = slot_for(shared_y, li.out_units, cols);
      li.norm_acc = new_acc(li.out_units);
    }
    if (li.activated) {
      li.h = slot_for(shared_h[l % 2], li.out_units, cols);
      li.post_acc = new_acc(li.out_units);
    } else {
      li.h = has_norm ? li.y : li.z;
      li.post_acc = has_norm ? li.norm_acc : li.pre_acc;
    }
    prev = li.h;
    prev_acc = li.post_acc;
    if (li.last_in_block) {
      if (post_norm) {
        sums.push_back(slot_for(shared_stream_norm, n0, cols));
        sum_acc.push_back(new_acc(n0));
      }
      streams.push_back(keep ? arena.alloc(n0, cols) : x0);
      stream_acc.push_back(new_acc(n0));
    }
  }
  for (int l = 0; l + 1 < num_layers; ++l) {
    if (!layers[static_cast<std::size_t>(l) + 1].first_in_block) {
      layers[static_cast<std::size_t>(l)].post_norms_to = l + 1;
    }
  }
  arena_floats = arena.used();
  if (!keep) return;

  // Gradient arena.
  ArenaPlanner grads;
  grad_out.resize(static_cast<std::size_t>(num_layers));
  for (int l = 0; l < num_layers; ++l) {
    const LayerLayout& li = layers[static_cast<std::size_t>(l)];
    grad_out[static_cast<std::size_t>(l)] = grads.alloc(li.out_units, li.z.cols);
    if (is_conv) workspace = std::max(workspace, li.conv.workspace_size());
  }
  grad_x0 = grads.alloc(x0.rows, x0.cols);
  grad_y = grads.alloc(max_out, 1);
  grad_z = grads.alloc(max_out, 1);
  if (is_resnet) {
    grad_tmp = grads.alloc(x0.rows, x0.cols);
    grad_stream = grad_x0;
    if (pre_norm || post_norm) grad_stream_norm = grads.alloc(x0.rows, x0.cols);
  }
  grad_arena_floats = grads.used();
}

}  // namespace initcheck::engine::detail
