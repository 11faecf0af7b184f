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

FanInfo layer_fan(const NetworkConfig& config, int index) {
  const int layers = weight_layer_count(config);
  if (index < 0 || index >= layers) throw std::out_of_range("layer_fan: layer index out of range");
  const auto at = [&](int i) { return config.widths.at(static_cast<std::size_t>(i)); };
  switch (config.arch) {
    case Architecture::mlp: return dense_fan(at(index), at(index + 1), index, layers);
    case Architecture::conv:
      return FanInfo{
          at(index),     at(index + 1), static_cast<std::int64_t>(config.kernel) * config.kernel,
          config.groups, index,         layers};
    case Architecture::resnet: return dense_fan(at(0), at(0), index, layers);
    case Architecture::transformer: {
      const std::int64_t d = at(0);
      const std::int64_t m = transformer_hidden(config);
      switch (index % kTransformerBlockLayers) {
        case 0: return dense_fan(d, 3 * d, index, layers);  // W_qkv
        case 1: return dense_fan(d, d, index, layers);      // W_o
        case 2: return dense_fan(d, m, index, layers);      // W_1
        default: return dense_fan(m, d, index, layers);     // W_2
      }
    }
  }
  return dense_fan(1, 1);
}

}  // namespace initcheck::model
