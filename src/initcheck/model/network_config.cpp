#include "initcheck/model/network_config.hpp"

#include <cmath>
#include <string>

#include "initcheck/core/error.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/model/weight_files.hpp"

namespace initcheck::model {
namespace {

std::string str(std::int64_t v) {
  return std::to_string(v);
}

void validate_transformer(const NetworkConfig& c) {
  for (std::size_t i = 1; i < c.widths.size(); ++i) {
    if (c.widths[i] != c.widths[0]) {
      throw InputError(
          "transformer widths must all be equal (d_model; got n0 = " + str(c.widths[0]) + ", n" +
          std::to_string(i) + " = " + str(c.widths[i]) + ")");
    }
  }
  if (c.tokens < 1) throw InputError("transformer tokens must be >= 1, got " + str(c.tokens));
  if (c.heads < 1) throw InputError("transformer heads must be >= 1, got " + str(c.heads));
  if (c.widths[0] % c.heads != 0) {
    throw InputError("transformer heads (" + str(c.heads) + ") must divide the width (" +
                     str(c.widths[0]) + ")");
  }
  if (!(std::isfinite(c.mlp_ratio) && c.mlp_ratio > 0.0 &&
        c.mlp_ratio * static_cast<double>(c.widths[0]) >= 0.5)) {
    throw InputError("transformer mlp ratio must be a finite number with mlp_ratio*width >= 1");
  }
  if (c.mlp_ratio > 1024.0) throw InputError("transformer mlp ratio must be <= 1024");
  if (!std::isfinite(c.branch_scale)) throw InputError("transformer branch scale must be finite");
  if (c.norm != Norm::layernorm || c.norm_placement == NormPlacement::none) {
    throw InputError(
        "transformer needs --norm layernorm with --norm-placement pre or post (the block "
        "has LayerNorm only)");
  }
  if (c.init->has_bias()) {
    throw InputError("transformer blocks have no biases; choose an init scheme without bias");
  }
}

}  // namespace

void NetworkConfig::validate() const {
  if (widths.size() < 2) {
    throw InputError("network needs depth >= 1 (widths must list n0 and at least one layer)");
  }
  for (std::size_t i = 0; i < widths.size(); ++i) {
    if (widths[i] <= 0) {
      throw InputError("width n" + std::to_string(i) + " must be positive, got " + str(widths[i]));
    }
  }
  if (!init) throw InputError("network has no init scheme");
  if (given_weights && (arch != given_weights->arch() || widths != given_weights->widths() ||
                        (arch == Architecture::conv && kernel != given_weights->kernel()))) {
    throw InputError("the network's shape differs from its given weights in " +
                     given_weights->directory());
  }
  if (!std::isfinite(activation.param)) throw InputError("activation parameter must be finite");
  if (batch < 1) throw InputError("batch must be >= 1, got " + str(batch));
  if (input == InputKind::unnormalized &&
      !(std::isfinite(input_scale_range) && input_scale_range >= 1.0)) {
    throw InputError("input scale range must be a finite number >= 1");
  }
  if (!(std::isfinite(bn_eps) && bn_eps >= 0.0)) {
    throw InputError("normalization epsilon must be a finite number >= 0");
  }
  switch (arch) {
    case Architecture::mlp: break;
    case Architecture::conv: {
      if (kernel < 1) throw InputError("conv kernel must be >= 1, got " + str(kernel));
      if (stride < 1) throw InputError("conv stride must be >= 1, got " + str(stride));
      if (padding < -1) {
        throw InputError("conv padding must be >= 0 (or -1 for same), got " + str(padding));
      }
      if (groups < 1) throw InputError("conv groups must be >= 1, got " + str(groups));
      if (spatial < 1) throw InputError("conv spatial size must be >= 1, got " + str(spatial));
      for (std::size_t i = 0; i < widths.size(); ++i) {
        if (widths[i] % groups != 0) {
          throw InputError("conv channels n" + std::to_string(i) + " = " + str(widths[i]) +
                           " not divisible by groups = " + str(groups));
        }
      }
      const int pad = padding < 0 ? kernel / 2 : padding;
      int size = spatial;
      for (int l = 0; l < depth(); ++l) {
        size = (size + 2 * pad - kernel) / stride + 1;
        if (size < 1) {
          throw InputError("conv layer " + std::to_string(l) +
                           " has empty output (spatial size too small for kernel/stride)");
        }
      }
      break;
    }
    case Architecture::resnet:
      for (std::size_t i = 1; i < widths.size(); ++i) {
        if (widths[i] != widths[0]) {
          throw InputError("resnet widths must all be equal (got n0 = " + str(widths[0]) + ", n" +
                           std::to_string(i) + " = " + str(widths[i]) + ")");
        }
      }
      if (block_layers < 1) {
        throw InputError("resnet block_layers must be >= 1, got " + str(block_layers));
      }
      if (!std::isfinite(branch_scale)) throw InputError("resnet branch scale must be finite");
      break;
    case Architecture::transformer: validate_transformer(*this); break;
  }
  if (!skip && arch != Architecture::transformer) {
    throw InputError("dropping the residual skip (residual no) needs a transformer");
  }
  if (norm_placement != NormPlacement::none && arch != Architecture::transformer) {
    if (arch != Architecture::resnet) {
      throw InputError(
          "norm placement pre/post needs a resnet (mlp and conv have a norm after "
          "every layer or none)");
    }
    if (norm != Norm::layernorm && norm != Norm::rmsnorm) {
      throw InputError("norm placement pre/post needs a per-sample norm (layernorm or rmsnorm)");
    }
  }
  // Every layer's declared law must exist, e.g. a role-specific init covers every layer's role.
  for (int l = 0; l < weight_layer_count(*this); ++l) (void)init->weight_law(layer_fan(*this, l));
}

std::vector<std::int64_t> constant_widths(std::int64_t width, int depth) {
  if (width <= 0) throw InputError("width must be positive, got " + str(width));
  if (depth < 1) throw InputError("depth must be >= 1, got " + str(depth));
  return std::vector<std::int64_t>(static_cast<std::size_t>(depth) + 1, width);
}

}  // namespace initcheck::model
