#pragma once
/// The nn transformer block that each block of an `--arch transformer` configuration is.

#include <cstdint>

#include "initcheck/model/network_config.hpp"
#include "initcheck/nn/transformer_block.hpp"

namespace initcheck::model {

/// MLP hidden width m = round(mlp_ratio · d), at least 1.
std::int64_t transformer_hidden(const NetworkConfig& config);

/// Block geometry of a transformer `config`: width d = widths[0], heads, hidden
/// transformer_hidden, tokens T, sequences = batch, pre-norm unless norm_placement is post,
/// causal, α = branch_scale, skip, ε = bn_eps, φ = activation.
nn::TransformerBlockShape transformer_block_shape(const NetworkConfig& config);

}  // namespace initcheck::model
