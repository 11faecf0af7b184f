#include "initcheck/theory/exact_gain.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "initcheck/init/torch_gain.hpp"
#include "initcheck/theory/gaussian_expectation.hpp"
#include "initcheck/theory/mean_field.hpp"

namespace initcheck::theory {

double variance_preserving_gain(const nn::Activation& act) {
  return 1.0 / std::sqrt(activation_second_moment(act, 1.0));
}

double fixed_point_gain(const nn::Activation& act, double bias_variance) {
  if (!(bias_variance >= 0.0 && bias_variance < 1.0)) {
    throw std::invalid_argument("fixed_point_gain: bias variance must lie in [0, 1)");
  }
  return std::sqrt((1.0 - bias_variance) / activation_second_moment(act, 1.0));
}

std::optional<double> torch_gain(const nn::Activation& act) {
  const std::string_view name = act.base_name();
  for (const std::string& known : init::torch_gain_nonlinearities()) {
    if (known != name) continue;
    if (act.kind == nn::ActivationKind::leaky_relu) {
      return init::torch_calculate_gain(name, act.param);
    }
    return init::torch_calculate_gain(name);
  }
  return std::nullopt;
}

GainReport gain_report(const nn::Activation& act, double bias_variance) {
  GainReport r;
  r.activation = act;
  r.bias_variance = bias_variance;
  r.second_moment = activation_second_moment(act, 1.0);
  r.exact_gain = fixed_point_gain(act, bias_variance);
  const MeanFieldParams p{r.exact_gain * r.exact_gain, bias_variance};
  r.slope = q_map_slope(act, p, 1.0);
  r.chi1 = chi1(act, p, 1.0);
  r.torch = torch_gain(act);
  if (r.torch) {
    r.ratio = r.exact_gain / *r.torch;
    const QFixedPoint fp = q_fixed_point(act, MeanFieldParams{*r.torch * *r.torch, bias_variance});
    r.torch_q_star = fp.q_star;
    r.torch_slope = fp.slope;
  }
  return r;
}

}  // namespace initcheck::theory
