#pragma once
/// The role of a weight layer in its network, for role-specific init specs
/// (`default=SPEC, readout=SPEC, ...`) and the `is_<role>` expression variables.

#include <array>
#include <optional>
#include <string_view>

namespace initcheck {

/// Every role a layer can have. model::layer_fan assigns embed / hidden / readout (mlp, conv)
/// and mlp.in / mlp.hidden / mlp.out (resnet branch layers); a transformer block's layers are
/// attn.qkv, attn.out, mlp.in, mlp.out. Add a role by appending an enumerator and its name below.
enum class LayerRole { embed, hidden, readout, mlp_in, mlp_hidden, mlp_out, attn_qkv, attn_out };

/// Spec names of the roles, in enumerator order.
inline constexpr std::array<std::string_view, 8> kLayerRoleNames = {
    "embed", "hidden", "readout", "mlp.in", "mlp.hidden", "mlp.out", "attn.qkv", "attn.out"};

/// The spec name of `role`, e.g. `mlp.out`.
constexpr std::string_view role_name(LayerRole role) {
  return kLayerRoleNames.at(static_cast<std::size_t>(role));
}

/// The role named `name`, or nullopt.
constexpr std::optional<LayerRole> parse_role(std::string_view name) {
  for (std::size_t i = 0; i < kLayerRoleNames.size(); ++i) {
    if (kLayerRoleNames.at(i) == name) return static_cast<LayerRole>(i);
  }
  return std::nullopt;
}

}  // namespace initcheck
