#pragma once
// Engine tests: small self-contained init schemes (independent of init/'s registry) and
// configuration builders.

#include <cmath>
#include <memory>
#include <span>
#include <string>

#include "initcheck/init/init_scheme.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::engine::testing {

/// W ~ N(0, variance_scale / fan_in) (kaiming_normal(relu) for scale 2); no bias.
class GaussianScheme final : public init::InitScheme {
 public:
  explicit GaussianScheme(double variance_scale) : scale_(variance_scale) {}
  [[nodiscard]] std::string name() const override { return "test_gaussian"; }
  [[nodiscard]] std::string formula() const override { return "Var = c/fan_in"; }
  [[nodiscard]] init::WeightLaw weight_law(const FanInfo& fan) const override {
    return {0.0, variance(fan), 3.0};
  }
  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> w,
                    rng::Engine& engine) const override {
    Eigen::MatrixXf tmp(w.rows(), w.cols());
    rng::fill_normal(engine, std::span<float>(tmp.data(), static_cast<std::size_t>(tmp.size())),
                     0.0, std::sqrt(variance(fan)));
    w = tmp;
  }
  [[nodiscard]] double variance(const FanInfo& fan) const {
    return scale_ / static_cast<double>(fan.fan_in());
  }

 private:
  double scale_;
};

/// W ~ U(±1/√fan_in) — PyTorch's kaiming_uniform(a=√5) default, Var(W) = 1/(3 fan_in) —
/// with an optional U(±1/√fan_in) bias (torch_default) to exercise the bias path.
class TorchUniformScheme final : public init::InitScheme {
 public:
  explicit TorchUniformScheme(bool bias) : bias_(bias) {}
  [[nodiscard]] std::string name() const override { return "test_torch_uniform"; }
  [[nodiscard]] std::string formula() const override { return "U(±1/sqrt(fan_in))"; }
  [[nodiscard]] init::WeightLaw weight_law(const FanInfo& fan) const override {
    return {0.0, 1.0 / (3.0 * static_cast<double>(fan.fan_in())), 1.8};
  }
  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> w,
                    rng::Engine& engine) const override {
    const double b = 1.0 / std::sqrt(static_cast<double>(fan.fan_in()));
    for (Eigen::Index j = 0; j < w.cols(); ++j) {
      for (Eigen::Index i = 0; i < w.rows(); ++i) {
        w(i, j) = static_cast<float>(b * (2.0 * rng::uniform01(engine) - 1.0));
      }
    }
  }
  [[nodiscard]] bool has_bias() const override { return bias_; }
  void fill_bias(const FanInfo& fan, Eigen::Ref<Eigen::VectorXf> bias,
                 rng::Engine& engine) const override {
    const double b = 1.0 / std::sqrt(static_cast<double>(fan.fan_in()));
    for (Eigen::Index i = 0; i < bias.size(); ++i) {
      bias(i) = static_cast<float>(b * (2.0 * rng::uniform01(engine) - 1.0));
    }
  }

 private:
  bool bias_;
};

inline model::NetworkConfig mlp_config(std::int64_t width, int depth, std::int64_t batch,
                                       std::shared_ptr<const init::InitScheme> scheme,
                                       const char* activation = "relu") {
  model::NetworkConfig c;
  c.arch = model::Architecture::mlp;
  c.widths = model::constant_widths(width, depth);
  c.activation = nn::Activation::parse(activation);
  c.init = std::move(scheme);
  c.batch = batch;
  return c;
}

/// A stack of `depth` LayerNorm transformer blocks of width d: `sequences` sequences of `tokens`
/// tokens, `heads` heads, MLP ratio 2, pre-norm unless `post`.
inline model::NetworkConfig transformer_config(std::int64_t width, int depth,
                                               std::int64_t sequences, std::int64_t tokens,
                                               std::shared_ptr<const init::InitScheme> scheme,
                                               bool post = false) {
  model::NetworkConfig c = mlp_config(width, depth, sequences, std::move(scheme), "gelu");
  c.arch = model::Architecture::transformer;
  c.norm = model::Norm::layernorm;
  c.norm_placement = post ? model::NormPlacement::post : model::NormPlacement::pre;
  c.tokens = tokens;
  c.heads = 2;
  c.mlp_ratio = 2.0;
  return c;
}

}  // namespace initcheck::engine::testing
