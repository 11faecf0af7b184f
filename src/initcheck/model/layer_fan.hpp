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

/// Role of weight layer `index` (in [0, weight_layer_count)). mlp, conv: `embed` (layer 0),
/// `hidden`, `readout` (the last layer; a 1-layer network's only layer is `readout`, since it
/// produces the output). resnet branch j of block_layers: `mlp.in` (j = 0), `mlp.hidden`,
/// `mlp.out` (the last, which writes into the residual stream; with block_layers = 1 the only
/// branch layer is `mlp.out`). transformer block: `attn.qkv` (W_qkv), `attn.out` (W_o),
/// `mlp.in` (W_1), `mlp.out` (W_2).
LayerRole layer_role(const NetworkConfig& config, int index);

/// FanInfo of weight layer `index` (dense: in/out widths; conv: k², groups; resnet: the branch
/// layers are numbered block·block_layers + j, depth = L·block_layers). Throws std::out_of_range
/// for an index outside [0, weight_layer_count). Its role is layer_role.
FanInfo layer_fan(const NetworkConfig& config, int index);

}  // namespace initcheck::model
