/// `initcheck gain --activation ACT`: the exact variance-preserving gain next to PyTorch's
/// calculate_gain, with the stability (q-map slope) of the fixed point each gain creates.
#include <charconv>
#include <cmath>
#include <iostream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "commands.hpp"
#include "initcheck/nn/activation.hpp"
#include "initcheck/theory/exact_gain.hpp"

namespace initcheck::cli {
namespace {

std::string number(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  // Exactly printf("%.8g"): std::to_chars with a precision follows printf's rules.
  const auto printed =
      std::to_chars(std::begin(buf), std::end(buf), x, std::chars_format::general, 8);
  return {std::begin(buf), printed.ptr};
}

std::string stability(double slope, bool homogeneous) {
  if (std::abs(slope - 1.0) <= 1e-9) {
    return homogeneous ? " (marginal: every q is fixed)" : " (marginal)";
  }
  return slope < 1.0 ? " (stable)" : " (unstable)";
}

void print_gain(const theory::GainReport& r, std::ostream& out) {
  const bool homogeneous = r.activation.is_homogeneous();
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("activation", r.activation.name());
  rows.emplace_back("E[phi(z)^2], z ~ N(0,1)", number(r.second_moment));
  rows.emplace_back("exact gain 1/sqrt(E[phi^2])", number(r.exact_gain));
  rows.emplace_back("q-map slope at q* = 1", number(r.slope) + stability(r.slope, homogeneous));
  if (r.torch) {
    rows.emplace_back("PyTorch calculate_gain", number(*r.torch));
    rows.emplace_back("ratio exact / PyTorch", number(*r.ratio));
    rows.emplace_back("PyTorch gain: fixed point q*", number(*r.torch_q_star));
    rows.emplace_back("PyTorch gain: q-map slope at q*",
                      number(*r.torch_slope) + stability(*r.torch_slope, homogeneous));
  } else {
    rows.emplace_back("PyTorch calculate_gain", "n/a (PyTorch has no gain for " +
                                                    std::string(r.activation.base_name()) + ")");
    rows.emplace_back("ratio exact / PyTorch", "n/a");
  }
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  for (const auto& [key, value] : rows) {
    out << key << std::string(width - key.size() + 2, ' ') << value << '\n';
  }
}

}  // namespace

Subcommand add_gain_command(CLI::App& app) {
  auto activation = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand(
      "gain",
      "Exact variance-preserving gain 1/sqrt(E[phi(z)^2]) vs PyTorch's calculate_gain, "
      "with the q-map slope at the fixed point each creates");
  sub->add_option("--activation", *activation,
                  "relu, leaky_relu(a), tanh, sigmoid, gelu, silu, selu, elu, softplus, mish, "
                  "linear")
      ->required();
  return {sub, [activation] {
            const nn::Activation act = nn::Activation::parse(*activation);
            print_gain(theory::gain_report(act), std::cout);
            return 0;
          }};
}

}  // namespace initcheck::cli
