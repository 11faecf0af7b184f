#pragma once
/// A scheme per layer role: `default=SPEC, readout=SPEC, mlp.out=SPEC, ...`.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "initcheck/init/init_scheme.hpp"

namespace initcheck::init {

/// Dispatches every call on fan.role: the role's scheme, else the default. A layer whose role
/// has neither is an InputError naming the role (NetworkConfig::validate reports it before any
/// network is drawn). Roles the network does not have are allowed and unused, so one spec
/// serves every architecture of a sweep.
class RoleInit final : public InitScheme {
 public:
  using RoleScheme = std::pair<LayerRole, std::shared_ptr<const InitScheme>>;

  /// `fallback` may be null (no default); each role at most once. Throws InputError when the
  /// schemes disagree on has_bias() (a network has biases on every layer or on none).
  RoleInit(std::shared_ptr<const InitScheme> fallback, std::vector<RoleScheme> by_role);

  /// `default=NAME, ROLE=NAME, ...`: the default first, then the roles in LayerRole order.
  [[nodiscard]] std::string name() const override;
  /// `default: FORMULA; ROLE: FORMULA; ...`.
  [[nodiscard]] std::string formula() const override;
  [[nodiscard]] WeightLaw weight_law(const FanInfo& fan) const override;
  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                    rng::Engine& engine) const override;
  [[nodiscard]] bool has_bias() const override { return has_bias_; }
  [[nodiscard]] WeightLaw bias_law(const FanInfo& fan) const override;
  void fill_bias(const FanInfo& fan, Eigen::Ref<Eigen::VectorXf> bias,
                 rng::Engine& engine) const override;

  /// The scheme for a layer of `role`; throws InputError naming the role when there is none.
  [[nodiscard]] const InitScheme& scheme_for(LayerRole role) const;

 private:
  std::shared_ptr<const InitScheme> fallback_;
  std::vector<RoleScheme> by_role_;  ///< sorted by role
  bool has_bias_ = false;
};

}  // namespace initcheck::init
