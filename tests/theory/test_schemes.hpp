#pragma once
/// Minimal InitScheme implementations for the theory tests (independent of init/'s built-ins,
/// so the oracle is checked against hand-written variance formulas).

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "initcheck/init/init_scheme.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::theory::testing {

/// Gaussian weights with Var = variance(fan), mean `mean`; optional bias law.
class FormulaScheme : public init::InitScheme {
 public:
  using Formula = std::function<double(const FanInfo&)>;
  explicit FormulaScheme(Formula variance, double mean = 0.0, Formula bias_variance = nullptr)
      : variance_(std::move(variance)), mean_(mean), bias_variance_(std::move(bias_variance)) {}

  [[nodiscard]] std::string name() const override { return "test_formula"; }
  [[nodiscard]] std::string formula() const override { return "Var = f(fan)"; }
  [[nodiscard]] init::WeightLaw weight_law(const FanInfo& fan) const override {
    return {mean_, variance_(fan), 3.0};
  }
  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                    rng::Engine& engine) const override {
    rng::fill_normal(engine,
                     std::span<float>(weights.data(), static_cast<std::size_t>(weights.size())),
                     mean_, std::sqrt(variance_(fan)));
  }
  [[nodiscard]] bool has_bias() const override { return static_cast<bool>(bias_variance_); }
  [[nodiscard]] init::WeightLaw bias_law(const FanInfo& fan) const override {
    return {0.0, bias_variance_ ? bias_variance_(fan) : 0.0, 1.8};
  }

 private:
  Formula variance_;
  double mean_;
  Formula bias_variance_;
};

inline std::shared_ptr<const init::InitScheme> scheme(FormulaScheme::Formula variance,
                                                      double mean = 0.0,
                                                      FormulaScheme::Formula bias = nullptr) {
  return std::make_shared<FormulaScheme>(std::move(variance), mean, std::move(bias));
}

inline double fan_in(const FanInfo& f) {
  return static_cast<double>(f.fan_in());
}
inline double fan_out(const FanInfo& f) {
  return static_cast<double>(f.fan_out());
}

}  // namespace initcheck::theory::testing
