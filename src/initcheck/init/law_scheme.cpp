#include "initcheck/init/detail/law_scheme.hpp"

#include <cmath>
#include <span>
#include <stdexcept>

#include "initcheck/core/error.hpp"
#include "initcheck/init/detail/number_text.hpp"
#include "initcheck/init/weight_laws.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::init::detail {
namespace {

void fill_span(const Draw& draw, std::span<float> out, rng::Engine& engine) {
  switch (draw.shape) {
    case Shape::normal: rng::fill_normal(engine, out, draw.mean, draw.scale); break;
    case Shape::uniform:
      rng::fill_uniform(engine, out, draw.mean - draw.scale, draw.mean + draw.scale);
      break;
    case Shape::truncated_normal:
      rng::fill_truncated_normal(engine, out, draw.scale, draw.cut);
      if (draw.mean != 0.0) {
        for (float& x : out) x = static_cast<float>(x + draw.mean);
      }
      break;
    case Shape::constant:
      for (float& x : out) x = static_cast<float>(draw.mean);
      break;
  }
}

}  // namespace

WeightLaw law_of(const Draw& draw) {
  switch (draw.shape) {
    case Shape::normal: return normal_law(draw.mean, draw.scale);
    case Shape::uniform: return uniform_law(draw.mean, draw.scale);
    case Shape::truncated_normal: {
      WeightLaw law = truncated_normal_law(draw.scale, draw.cut);
      law.mean = draw.mean;
      return law;
    }
    case Shape::constant: break;
  }
  // A point mass: variance 0, support 0; kurtosis is 0/0, reported as 1 (its minimum) so that
  // Var(s²) = σ⁴(κ − 1)/n = 0 stays well defined.
  return WeightLaw{draw.mean, 0.0, 1.0, 0.0, true};
}

void fill_draw(const Draw& draw, Eigen::Ref<Eigen::MatrixXf> out, rng::Engine& engine) {
  if (out.size() == 0) return;
  if (out.innerStride() == 1 && out.outerStride() == out.rows()) {
    fill_span(draw, std::span<float>(out.data(), static_cast<std::size_t>(out.size())), engine);
    return;
  }
  Eigen::MatrixXf dense(out.rows(), out.cols());
  fill_span(draw, std::span<float>(dense.data(), static_cast<std::size_t>(dense.size())), engine);
  out = dense;
}

void check_fan(const FanInfo& fan) {
  if (fan.in_units < 1 || fan.out_units < 1 || fan.receptive_field < 1 || fan.groups < 1) {
    throw InputError("invalid layer shape: in_units=" + std::to_string(fan.in_units) +
                     ", out_units=" + std::to_string(fan.out_units) +
                     ", receptive_field=" + std::to_string(fan.receptive_field) +
                     ", groups=" + std::to_string(fan.groups) + " (all must be ≥ 1)");
  }
  if (fan.in_units % fan.groups != 0 || fan.out_units % fan.groups != 0) {
    throw InputError("groups=" + std::to_string(fan.groups) +
                     " must divide in_units=" + std::to_string(fan.in_units) +
                     " and out_units=" + std::to_string(fan.out_units));
  }
}

void check_shape(const FanInfo& fan, Eigen::Index rows, Eigen::Index cols) {
  if (rows != fan.rows() || cols != fan.cols()) {
    throw std::invalid_argument("weight matrix is " + std::to_string(rows) + "×" +
                                std::to_string(cols) + " but the layer needs " +
                                std::to_string(fan.rows()) + "×" + std::to_string(fan.cols()));
  }
}

double eval_positive(const Expr& expr, const FanInfo& fan, std::string_view key,
                     std::string_view scheme) {
  const double value = expr.evaluate(fan);
  if (!(value > 0.0)) {
    throw InputError(std::string(key) + "=" + expr.text() + " evaluates to " +
                     format_number(value) + " in " + std::string(scheme) + "; it must be > 0");
  }
  return value;
}

WeightLaw LawScheme::weight_law(const FanInfo& fan) const {
  check_fan(fan);
  return law_of(weights_(fan));
}

void LawScheme::fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                             rng::Engine& engine) const {
  check_fan(fan);
  check_shape(fan, weights.rows(), weights.cols());
  fill_draw(weights_(fan), weights, engine);
}

WeightLaw LawScheme::bias_law(const FanInfo& fan) const {
  if (!bias_) return InitScheme::bias_law(fan);
  check_fan(fan);
  return law_of(bias_(fan));
}

void LawScheme::fill_bias(const FanInfo& fan, Eigen::Ref<Eigen::VectorXf> bias,
                          rng::Engine& engine) const {
  if (!bias_) {
    InitScheme::fill_bias(fan, bias, engine);
    return;
  }
  check_fan(fan);
  if (bias.size() != fan.rows()) {
    throw std::invalid_argument("bias has " + std::to_string(bias.size()) +
                                " entries but the layer has " + std::to_string(fan.rows()));
  }
  fill_draw(bias_(fan), Eigen::Map<Eigen::MatrixXf>(bias.data(), bias.size(), 1), engine);
}

std::shared_ptr<const InitScheme> validated(std::shared_ptr<const InitScheme> scheme,
                                            bool all_constant) {
  if (all_constant) (void)scheme->weight_law(dense_fan(1, 1));
  return scheme;
}

}  // namespace initcheck::init::detail
