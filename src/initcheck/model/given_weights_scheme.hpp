#pragma once
/// The init scheme of a network whose weights are given (`check --weights DIR`): it states each
/// layer's law pooled over the files, for the theory oracle and the sample plan. The values
/// themselves are loaded per replicate by the engine (NetworkConfig::given_weights), so the
/// fill functions only zero.

#include <memory>
#include <string>
#include <utility>

#include "initcheck/init/init_scheme.hpp"
#include "initcheck/model/weight_files.hpp"

namespace initcheck::model {

class GivenWeightsScheme final : public init::InitScheme {
 public:
  explicit GivenWeightsScheme(std::shared_ptr<const WeightFiles> files)
      : files_(std::move(files)) {}

  [[nodiscard]] std::string name() const override {
    return "weights " + files_->directory() + " (" + std::to_string(files_->replicates()) +
           " files)";
  }
  [[nodiscard]] std::string formula() const override {
    return "per layer: mean, variance and kurtosis of the given weights, pooled over the files";
  }
  /// The pooled law of layer fan.layer.
  [[nodiscard]] init::WeightLaw weight_law(const FanInfo& fan) const override {
    return files_->weight_law(fan.layer);
  }
  void fill_weights(const FanInfo& /*fan*/, Eigen::Ref<Eigen::MatrixXf> weights,
                    rng::Engine& /*engine*/) const override {
    weights.setZero();
  }
  [[nodiscard]] bool has_bias() const override { return files_->has_bias(); }
  [[nodiscard]] init::WeightLaw bias_law(const FanInfo& fan) const override {
    return files_->bias_law(fan.layer);
  }

 private:
  std::shared_ptr<const WeightFiles> files_;
};

}  // namespace initcheck::model
