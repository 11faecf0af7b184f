#include "initcheck/model/layer_fan.hpp"

#include <cstddef>
#include <stdexcept>

namespace initcheck::model {

int weight_layer_count(const NetworkConfig& config) {
  return config.arch == Architecture::resnet ? config.depth() * config.block_layers
                                             : config.depth();
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
  }
  return dense_fan(1, 1);
}

}  // namespace initcheck::model
