#pragma once
/// Shape of one weight tensor, with PyTorch's fan computation.

#include <cmath>
#include <cstdint>

#include "initcheck/core/layer_role.hpp"

namespace initcheck {

/// Describes a weight tensor of shape (out_units, in_units / groups, k, k) — a dense layer has
/// receptive_field = 1 and groups = 1. Weight matrices are stored fan_out × fan_in
/// (out_units × (in_units / groups · receptive_field)), conv weights OIHW flattened row-wise.
struct FanInfo {
  std::int64_t in_units = 1;           ///< input features / channels
  std::int64_t out_units = 1;          ///< output features / channels
  std::int64_t receptive_field = 1;    ///< kernel height · width (1 for dense)
  std::int64_t groups = 1;             ///< conv groups (in_units and out_units divisible by it)
  int layer = 0;                       ///< 0-based index of this layer
  int depth = 1;                       ///< number of weight layers in the network
  LayerRole role = LayerRole::hidden;  ///< the layer's role (model::layer_fan assigns it)

  /// PyTorch `_calculate_fan_in_and_fan_out`: size(1) · receptive field.
  [[nodiscard]] std::int64_t fan_in() const { return in_units / groups * receptive_field; }
  /// PyTorch: size(0) · receptive field (groups do not divide fan_out).
  [[nodiscard]] std::int64_t fan_out() const { return out_units * receptive_field; }
  /// (fan_in + fan_out) / 2, as used by Xavier and variance_scaling(mode=fan_avg).
  [[nodiscard]] double fan_avg() const { return 0.5 * static_cast<double>(fan_in() + fan_out()); }
  /// √(fan_in·fan_out), JAX variance_scaling's fan_geo_avg.
  [[nodiscard]] double fan_geo_avg() const {
    return std::sqrt(static_cast<double>(fan_in()) * static_cast<double>(fan_out()));
  }
  /// Rows of the weight matrix.
  [[nodiscard]] std::int64_t rows() const { return out_units; }
  /// Columns of the weight matrix.
  [[nodiscard]] std::int64_t cols() const { return fan_in(); }
};

/// A dense layer's FanInfo.
inline FanInfo dense_fan(std::int64_t in_units, std::int64_t out_units, int layer = 0,
                         int depth = 1) {
  return FanInfo{in_units, out_units, 1, 1, layer, depth};
}

}  // namespace initcheck
