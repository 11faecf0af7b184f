#include "initcheck/init/torch_gain.hpp"

#include <cmath>
#include <numbers>

#include "initcheck/core/error.hpp"
#include "initcheck/init/detail/number_text.hpp"

namespace initcheck::init {

const std::vector<std::string>& torch_gain_nonlinearities() {
  static const std::vector<std::string> kNames = {
      "linear",           "conv1d",  "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
      "conv_transpose3d", "sigmoid", "tanh",   "relu",   "leaky_relu",       "selu"};
  return kNames;
}

double torch_calculate_gain(std::string_view nonlinearity, std::optional<double> param) {
  // torch/nn/init.py calculate_gain (PyTorch ≥ 1.8).
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::numbers::sqrt2;
  if (nonlinearity == "selu") return 3.0 / 4.0;
  if (nonlinearity == "leaky_relu") {
    const double slope = param.value_or(0.01);
    if (!std::isfinite(slope)) {
      throw InputError("negative_slope " + detail::format_number(slope) +
                       " for leaky_relu is not a valid number");
    }
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  for (const std::string& name : torch_gain_nonlinearities()) {
    if (name == nonlinearity) return 1.0;  // linear, conv*, sigmoid
  }
  std::string list;
  for (const std::string& name : torch_gain_nonlinearities()) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  throw InputError("unsupported nonlinearity '" + std::string(nonlinearity) +
                   "' for calculate_gain; expected one of: " + list);
}

}  // namespace initcheck::init
