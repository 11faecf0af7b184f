#include "initcheck/model/layer_fan.hpp"

#include <cstddef>
#include <stdexcept>

#include "initcheck/model/transformer_shape.hpp"

namespace initcheck::model {

int weight_layer_count(const NetworkConfig& config) {
  switch (config.arch) {
    case Architecture::resnet: return config.depth() * config.block_layers;
    case Architecture::transformer: return config.depth() * kTransformerBlockLayers;
    default: return config.depth();
  }
}

LayerRole layer_role(const NetworkConfig& config, int index) {
  if (config.arch == Architecture::transformer) {
    switch (index % kTransformerBlockLayers) {
      case 0: return LayerRole::attn_qkv;
      case 1: return LayerRole::attn_out;
      case 2: return LayerRole::mlp_in;
      default: return LayerRole::mlp_out;
    }
  }
  if (config.arch == Architecture::resnet) {
    const int j = index % config.block_layers;
    if (j == config.block_layers - 1) return LayerRole::mlp_out;
    return j == 0 ? LayerRole::mlp_in : LayerRole::mlp_hidden;
  }
  if (index == weight_layer_count(config) - 1) return LayerRole::readout;
  return index == 0 ? LayerRole::embed : LayerRole::hidden;
}

FanInfo layer_fan(const NetworkConfig& config, int index) {
  const int layers = weight_layer_count(config);
  if (index < 0 || index >= layers) throw std::out_of_range("layer_fan: layer index out of range");
  const auto at = [&](int i) { return config.widths.at(static_cast<std::size_t>(i)); };
  FanInfo fan;
  switch (config.arch) {
    case Architecture::mlp: fan = dense_fan(at(index), at(index + 1), index, layers); break;
    case Architecture::conv:
      fan = FanInfo{
          at(index),     at(index + 1), static_cast<std::int64_t>(config.kernel) * config.kernel,
          config.groups, index,         layers};
      break;
    case Architecture::resnet: fan = dense_fan(at(0), at(0), index, layers); break;
    case Architecture::transformer: {
      const std::int64_t d = at(0);
      const std::int64_t m = transformer_hidden(config);
      switch (index % kTransformerBlockLayers) {
        case 0: fan = dense_fan(d, 3 * d, index, layers); break;  // W_qkv
        case 1: fan = dense_fan(d, d, index, layers); break;      // W_o
        case 2: fan = dense_fan(d, m, index, layers); break;      // W_1
        default: fan = dense_fan(m, d, index, layers); break;     // W_2
      }
      break;
    }
  }
  fan.role = layer_role(config, index);
  return fan;
}

}  // namespace initcheck::model
