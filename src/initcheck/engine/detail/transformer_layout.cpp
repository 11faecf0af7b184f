// NetworkLayout of a transformer: four weight layers per block (model::layer_fan), twelve
// statistics accumulators per block (one per nn::BlockTensor), the block tensors in their own
// buffer. The LayerTrace of each weight layer reads the block tensors it produces.
#include <algorithm>

#include "initcheck/engine/detail/network_layout.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/model/transformer_shape.hpp"

namespace initcheck::engine::detail {
namespace {

using Eigen::Index;
using nn::BlockTensor;

Index aligned(Index floats) {
  return (floats + kArenaAlign - 1) / kArenaAlign * kArenaAlign;
}

}  // namespace

void NetworkLayout::plan_transformer(const model::NetworkConfig& cfg, bool keep) {
  is_transformer = true;
  block_shape = model::transformer_block_shape(cfg);
  block_shape.validate();
  batch = cfg.batch;  // sequences
  slices = static_cast<int>(std::min<Index>(batch, kSlices));
  for (int s = 0; s <= slices; ++s) slice_begin[s] = batch * s / slices;
  num_blocks = cfg.depth();
  num_layers = model::weight_layer_count(cfg);
  const Index d = block_shape.width;
  const Index n = block_shape.columns();

  // Arena: the input x0 and a copy of the last block's output.
  x0 = Slot{0, d, n};
  streams = {x0, Slot{aligned(d * n), d, n}};
  arena_floats = 2 * aligned(d * n);
  acc_rows.push_back(d);  // id 0: the input

  block_tensor_sets = keep ? num_blocks : std::min(num_blocks, 2);
  block_tensor_floats = nn::TransformerBlockTensors::storage_size(block_shape);
  block_forward_workspace = nn::transformer_forward_workspace_size(block_shape);
  block_backward_workspace = keep ? nn::transformer_backward_workspace_size(block_shape) : 0;

  const bool pre = block_shape.pre_norm;
  const auto id = [&](int b, BlockTensor t) {
    return block_acc[static_cast<std::size_t>(b)] + static_cast<int>(t);
  };
  stream_acc = {0};
  layers.resize(static_cast<std::size_t>(num_layers));
  for (int b = 0; b < num_blocks; ++b) {
    block_acc.push_back(num_acc());
    for (int t = 0; t < nn::kBlockTensorCount; ++t) {
      const auto tensor = static_cast<BlockTensor>(t);
      const bool hidden = tensor == BlockTensor::mlp_up || tensor == BlockTensor::mlp_act;
      acc_rows.push_back(hidden ? block_shape.hidden : d);
    }
    const int stream_in = stream_acc.back();
    // {layer input, layer output (pre = post)}; W_1's post is φ(W_1 u).
    const int ins[] = {pre ? id(b, BlockTensor::attn_norm) : stream_in,
                       id(b, BlockTensor::attention),
                       pre ? id(b, BlockTensor::mlp_norm) : id(b, BlockTensor::attn_norm),
                       id(b, BlockTensor::mlp_act)};
    const int outs[] = {id(b, BlockTensor::v), id(b, BlockTensor::attn_proj),
                        id(b, BlockTensor::mlp_up), id(b, BlockTensor::mlp_down)};
    for (int j = 0; j < model::kTransformerBlockLayers; ++j) {
      const int l = b * model::kTransformerBlockLayers + j;
      LayerLayout& li = layers[static_cast<std::size_t>(l)];
      li.block = b;
      li.first_in_block = j == 0;
      li.last_in_block = j + 1 == model::kTransformerBlockLayers;
      li.activated = j == 2;
      li.fan = model::layer_fan(cfg, l);
      li.fan_in = li.fan.fan_in();
      li.in_units = li.fan.in_units;
      li.out_units = j == 0 ? d : li.fan.out_units;  // W_qkv's statistics are v's
      li.z = Slot{0, li.out_units, n};  // shape only: the tensors live in the block sets
      li.in_acc = ins[j];
      li.pre_acc = outs[j];
      li.post_acc = li.activated ? id(b, BlockTensor::mlp_act) : outs[j];
    }
    stream_acc.push_back(pre ? id(b, BlockTensor::mlp_sum) : id(b, BlockTensor::mlp_norm));
  }
  if (!keep) return;
  grad_x0 = Slot{0, d, n};
  grad_tmp = Slot{aligned(d * n), d, n};
  grad_arena_floats = 2 * aligned(d * n);
}

}  // namespace initcheck::engine::detail
