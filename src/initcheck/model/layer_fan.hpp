#pragma once
/// The shape of each weight layer of a network configuration, derived in one place for the
/// engine (which allocates and draws the weights) and the theory oracle (which predicts them).

#include "initcheck/core/fan_info.hpp"
#include "initcheck/model/network_config.hpp"

namespace initcheck::model {

/// Weight layers of one transformer block, in forward order: W_qkv (d → 3d, rows W_q, W_k,
/// W_v), W_o (d → d), W_1 (d → m), W_2 (m → d); block b's layer j is weight layer 4b + j.
inline constexpr int kTransformerBlockLayers = 4;

/// Weight layers: depth (mlp, conv), depth · block_layers (resnet) or 4 · depth (transformer).
int weight_layer_count(const NetworkConfig& config);

/// FanInfo of weight layer `index` (dense: in/out widths; conv: k², groups; resnet: the branch
/// layers are numbered block·block_layers + j, depth = L·block_layers). Throws std::out_of_range
/// for an index outside [0, weight_layer_count).
FanInfo layer_fan(const NetworkConfig& config, int index);

}  // namespace initcheck::model
