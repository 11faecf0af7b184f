#include "initcheck/model/transformer_shape.hpp"

#include <algorithm>
#include <cmath>

namespace initcheck::model {

std::int64_t transformer_hidden(const NetworkConfig& config) {
  const double m = std::round(config.mlp_ratio * static_cast<double>(config.widths.at(0)));
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(m));
}

nn::TransformerBlockShape transformer_block_shape(const NetworkConfig& config) {
  nn::TransformerBlockShape s;
  s.width = config.widths.at(0);
  s.heads = config.heads;
  s.hidden = transformer_hidden(config);
  s.tokens = config.tokens;
  s.sequences = config.batch;
  s.pre_norm = config.norm_placement != NormPlacement::post;
  s.causal = config.causal;
  s.branch_scale = config.branch_scale;
  s.skip = config.skip;
  s.eps = config.bn_eps;
  s.activation = config.activation;
  return s;
}

}  // namespace initcheck::model
