// A user-defined scheme, `scaled_uniform(gain)`: W ~ U(±gain·√(3/fan_in)), so Var(W) = gain²/fan_in
// (Kaiming-uniform semantics for ReLU with gain √2). One macro runs initcheck's whole property
// suite against it; a second test shows the suite catching a subtle planted bug (a 9 % variance
// error from a mistyped gain).

#include <gtest/gtest.h>

#include <cmath>
#include <initcheck/properties.hpp>
#include <initcheck/rng/distributions.hpp>
#include <memory>
#include <span>

namespace {

class ScaledUniform : public initcheck::init::InitScheme {
 public:
  explicit ScaledUniform(double gain, double sqrt3 = std::sqrt(3.0)) : gain_(gain), sqrt3_(sqrt3) {}
  [[nodiscard]] std::string name() const override {
    return "scaled_uniform(gain=" + std::to_string(gain_) + ")";
  }
  [[nodiscard]] std::string formula() const override { return "U(±gain·√(3/fan_in))"; }
  [[nodiscard]] initcheck::init::WeightLaw weight_law(
      const initcheck::FanInfo& fan) const override {
    const double b = bound(fan);
    initcheck::init::WeightLaw law;
    law.variance = b * b / 3.0;
    law.kurtosis = 1.8;
    law.support_bound = b;
    return law;
  }
  void fill_weights(const initcheck::FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> w,
                    initcheck::rng::Engine& engine) const override {
    Eigen::MatrixXf tmp(w.rows(), w.cols());
    initcheck::rng::fill_uniform(engine,
                                 std::span<float>(tmp.data(), static_cast<std::size_t>(tmp.size())),
                                 -bound(fan), bound(fan));
    w = tmp;
  }

 private:
  [[nodiscard]] double bound(const initcheck::FanInfo& fan) const {
    return gain_ * sqrt3_ / std::sqrt(static_cast<double>(fan.fan_in()));
  }
  double gain_;
  double sqrt3_;
};

}  // namespace

// The whole applicable suite: ScaledUniformRelu.variance, .growth, .mean, .gradient, ...
INITCHECK_SCHEME_PROPERTIES(
    ScaledUniformRelu, [] { return std::make_shared<ScaledUniform>(std::sqrt(2.0)); }, "relu")

// Power: a subtle bug — the gain √2 ≈ 1.414 hand-typed as 1.35 (variance −8.9 % per layer). The
// `variance` band [1/4, 4] cannot see it at these depths; `layer_gain` tests each layer's gain
// against 1 within ≈ ±6.6 % and catches any per-layer error ≥ 5 % with probability ≥ 0.999.
TEST(ScaledUniformPlantedBug, GainTypoIsCaught) {
  initcheck::properties::PropertyOptions options;
  options.cases = 2;
  const bool passed = initcheck::properties::check_property(
      initcheck::properties::Property::layer_gain, std::make_shared<ScaledUniform>(1.35),
      initcheck::nn::Activation::parse("relu"), options);
  EXPECT_FALSE(passed);
}
