#pragma once
/// PyTorch's torch.nn.init.calculate_gain, reproduced exactly.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace initcheck::init {

/// calculate_gain(nonlinearity, param): linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid
/// → 1; tanh → 5/3; relu → √2; leaky_relu → √(2/(1+a²)) with a = param or 0.01 when omitted;
/// selu → 3/4. Throws InputError for any other name or a non-finite param (leaky_relu).
double torch_calculate_gain(std::string_view nonlinearity,
                            std::optional<double> param = std::nullopt);

/// The nonlinearity names torch_calculate_gain accepts.
const std::vector<std::string>& torch_gain_nonlinearities();

}  // namespace initcheck::init
