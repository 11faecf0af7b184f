#include "initcheck/nn/activation.hpp"

#include <charconv>
#include <cmath>
#include <numbers>

#include "initcheck/core/error.hpp"

namespace initcheck::nn {
namespace {

struct Entry {
  std::string_view name;
  ActivationKind kind;
  double default_param;
  bool takes_param;
};

constexpr Entry kEntries[] = {
    {"relu", ActivationKind::relu, 0.0, false},
    {"leaky_relu", ActivationKind::leaky_relu, 0.01, true},
    {"tanh", ActivationKind::tanh, 0.0, false},
    {"sigmoid", ActivationKind::sigmoid, 0.0, false},
    {"gelu", ActivationKind::gelu, 0.0, false},
    {"silu", ActivationKind::silu, 0.0, false},
    {"selu", ActivationKind::selu, 0.0, false},
    {"elu", ActivationKind::elu, 1.0, true},
    {"softplus", ActivationKind::softplus, 0.0, false},
    {"mish", ActivationKind::mish, 0.0, false},
    {"linear", ActivationKind::linear, 0.0, false},
};

/// Largest |parameter| (leaky_relu slope, elu alpha): beyond it the fp32 engine and the
/// theory's a², a⁴ moments overflow (1e300 is not even a float).
constexpr double kMaxParam = 1e6;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string expected_list() {
  std::string out;
  for (const Entry& e : kEntries) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

double softplus(double x) {
  return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x)));
}

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}

double normal_pdf(double x) {
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}

std::string format_param(double p) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, p);
  return std::string(buf, result.ptr);
}

}  // namespace

const std::vector<std::string>& activation_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const Entry& e : kEntries) v.emplace_back(e.name);
    return v;
  }();
  return names;
}

Activation Activation::parse(std::string_view text) {
  const std::string_view original = trim(text);
  std::string_view name = original;
  std::string_view arg;
  if (const auto open = name.find('('); open != std::string_view::npos) {
    if (name.back() != ')') {
      throw InputError("malformed activation '" + std::string(original) + "': missing ')'");
    }
    arg = trim(name.substr(open + 1, name.size() - open - 2));
    name = trim(name.substr(0, open));
  }
  for (const Entry& e : kEntries) {
    if (e.name != name) continue;
    Activation act{e.kind, e.default_param};
    if (arg.empty()) return act;
    if (!e.takes_param) {
      throw InputError("activation '" + std::string(name) + "' takes no parameter (got '" +
                       std::string(original) + "')");
    }
    if (const auto eq = arg.find('='); eq != std::string_view::npos) {
      const std::string_view key = trim(arg.substr(0, eq));
      const std::string_view expected_key = e.kind == ActivationKind::elu ? "alpha" : "a";
      if (key != expected_key && key != "negative_slope") {
        throw InputError("unknown parameter '" + std::string(key) + "' in activation '" +
                         std::string(original) + "'; expected " + std::string(expected_key));
      }
      arg = trim(arg.substr(eq + 1));
    }
    double value = 0.0;
    const auto [ptr, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), value);
    if (ec != std::errc() || ptr != arg.data() + arg.size() || !std::isfinite(value)) {
      throw InputError("activation parameter '" + std::string(arg) + "' in '" +
                       std::string(original) + "' is not a finite number");
    }
    if (e.kind == ActivationKind::elu && !(value > 0.0 && value <= kMaxParam)) {
      throw InputError("elu alpha must be in (0, 1e6] (got " + std::string(arg) + ")");
    }
    if (e.kind == ActivationKind::leaky_relu && !(std::abs(value) <= kMaxParam)) {
      throw InputError("leaky_relu slope must be in [-1e6, 1e6] (got " + std::string(arg) + ")");
    }
    act.param = value;
    return act;
  }
  throw InputError("unknown activation '" + std::string(original) +
                   "'; expected one of: " + expected_list());
}

std::string_view Activation::base_name() const {
  for (const Entry& e : kEntries) {
    if (e.kind == kind) return e.name;
  }
  return "?";
}

std::string Activation::name() const {
  std::string out(base_name());
  if (kind == ActivationKind::leaky_relu || (kind == ActivationKind::elu && param != 1.0)) {
    out.append("(").append(format_param(param)).append(")");
  }
  return out;
}

double Activation::value(double x) const {
  switch (kind) {
    case ActivationKind::relu: return x > 0 ? x : 0.0;
    case ActivationKind::leaky_relu: return x > 0 ? x : param * x;
    case ActivationKind::tanh: return std::tanh(x);
    case ActivationKind::sigmoid: return sigmoid(x);
    case ActivationKind::gelu: return x * normal_cdf(x);
    case ActivationKind::silu: return x * sigmoid(x);
    case ActivationKind::selu: return kSeluLambda * (x > 0 ? x : kSeluAlpha * std::expm1(x));
    case ActivationKind::elu: return x > 0 ? x : param * std::expm1(x);
    case ActivationKind::softplus: return softplus(x);
    case ActivationKind::mish: return x * std::tanh(softplus(x));
    case ActivationKind::linear: return x;
  }
  return x;
}

double Activation::derivative(double x) const {
  switch (kind) {
    case ActivationKind::relu: return x > 0 ? 1.0 : 0.0;
    case ActivationKind::leaky_relu: return x > 0 ? 1.0 : param;
    case ActivationKind::tanh: {
      const double t = std::tanh(x);
      return 1.0 - t * t;
    }
    case ActivationKind::sigmoid: {
      const double s = sigmoid(x);
      return s * (1.0 - s);
    }
    case ActivationKind::gelu: return normal_cdf(x) + x * normal_pdf(x);
    case ActivationKind::silu: {
      const double s = sigmoid(x);
      return s * (1.0 + x * (1.0 - s));
    }
    case ActivationKind::selu: return kSeluLambda * (x > 0 ? 1.0 : kSeluAlpha * std::exp(x));
    case ActivationKind::elu: return x > 0 ? 1.0 : param * std::exp(x);
    case ActivationKind::softplus: return sigmoid(x);
    case ActivationKind::mish: {
      const double t = std::tanh(softplus(x));
      return t + x * (1.0 - t * t) * sigmoid(x);
    }
    case ActivationKind::linear: return 1.0;
  }
  return 1.0;
}

bool Activation::has_kink_at_zero() const {
  switch (kind) {
    case ActivationKind::relu:
    case ActivationKind::leaky_relu:
    case ActivationKind::selu:
    case ActivationKind::elu: return true;  // elu(1) is C¹ but not C² at 0
    default: return false;
  }
}

bool Activation::is_homogeneous() const {
  return kind == ActivationKind::relu || kind == ActivationKind::leaky_relu ||
         kind == ActivationKind::linear;
}

}  // namespace initcheck::nn
