#pragma once
/// Activation functions: names, parsing and exact scalar reference values in double precision.

#include <string>
#include <string_view>
#include <vector>

namespace initcheck::nn {

enum class ActivationKind {
  relu,
  leaky_relu,
  tanh,
  sigmoid,
  gelu,
  silu,
  selu,
  elu,
  softplus,
  mish,
  linear
};

/// SELU constants (Klambauer et al. 2017).
inline constexpr double kSeluAlpha = 1.6732632423543772848;
inline constexpr double kSeluLambda = 1.0507009873554804934;

/// An activation with its parameter (negative slope for leaky_relu, α for elu; unused otherwise).
struct Activation {
  ActivationKind kind = ActivationKind::relu;
  double param = 0.0;

  /// Parses `relu`, `leaky_relu`, `leaky_relu(0.2)`, `leaky_relu(a=0.2)`, `elu(1.0)`, ...
  /// Throws InputError naming the problem (e.g. unknown activation 'rleu'; expected one of ...),
  /// also for a leaky_relu slope outside [-1e6, 1e6] or an elu alpha outside (0, 1e6].
  static Activation parse(std::string_view text);

  /// Canonical name, e.g. `leaky_relu(0.2)`; round-trips through parse.
  [[nodiscard]] std::string name() const;
  /// Base name without parameter, e.g. `leaky_relu` (PyTorch's `nonlinearity` spelling).
  [[nodiscard]] std::string_view base_name() const;

  /// φ(x) in double precision (the reference for vectorized kernels).
  [[nodiscard]] double value(double x) const;
  /// φ′(x) in double precision (right derivative at kinks).
  [[nodiscard]] double derivative(double x) const;
  /// True when φ is not differentiable at 0 (quadrature splits the integral there).
  [[nodiscard]] bool has_kink_at_zero() const;
  /// True when φ is positively homogeneous (φ(cx) = cφ(x), c > 0): relu, leaky_relu, linear.
  [[nodiscard]] bool is_homogeneous() const;
};

/// Names accepted by Activation::parse, for help texts and error messages.
const std::vector<std::string>& activation_names();

}  // namespace initcheck::nn
