#include "initcheck/init/expression.hpp"

#include <muParser.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "initcheck/init/detail/number_text.hpp"

namespace initcheck::init {
namespace detail {

std::string format_number(double value) {
  std::array<char, 64> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return {buffer.data(), result.ptr};
}

}  // namespace detail

namespace {

/// Variables that do not depend on the role: fan_in … exact_gain.
constexpr std::size_t kShapeVariableCount = 11;
constexpr std::size_t kVariableCount = kShapeVariableCount + kLayerRoleNames.size();

/// Values of every expression variable for one layer, in expression_variables() order.
std::array<double, kVariableCount> variable_values(const FanInfo& fan, const SpecContext& ctx) {
  std::array<double, kVariableCount> values = {static_cast<double>(fan.fan_in()),
                                               static_cast<double>(fan.fan_out()),
                                               fan.fan_avg(),
                                               fan.fan_geo_avg(),
                                               static_cast<double>(fan.in_units),
                                               static_cast<double>(fan.out_units),
                                               static_cast<double>(fan.receptive_field),
                                               static_cast<double>(fan.depth),
                                               static_cast<double>(fan.layer),
                                               ctx.gain,
                                               ctx.exact_gain};
  values.at(kShapeVariableCount + static_cast<std::size_t>(fan.role)) = 1.0;  // is_<role>
  return values;
}

/// Floating modulo: fmod (the sign of x; x % 0 is NaN, reported as a non-finite value).
double modulo(double x, double y) {
  return std::fmod(x, y);
}

/// A muParser bound to `values` with the `%` operator; each evaluation builds its own (muParser
/// is not thread-safe).
void define_variables(mu::Parser& parser, std::array<double, kVariableCount>& values) {
  const std::vector<std::string>& names = expression_variables();
  for (std::size_t i = 0; i < kVariableCount; ++i) parser.DefineVar(names[i], &values[i]);
  parser.DefineOprt("%", modulo, mu::prMUL_DIV, mu::oaLEFT, true);
}

std::string join_variables() {
  std::string out;
  for (const std::string& v : expression_variables()) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

/// Position of a lone '=' (muParser's assignment operator), or npos.
std::size_t find_assignment(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') continue;
    const bool after_op = i > 0 && (text[i - 1] == '=' || text[i - 1] == '<' ||
                                    text[i - 1] == '>' || text[i - 1] == '!');
    const bool before_eq = i + 1 < text.size() && text[i + 1] == '=';
    if (after_op) continue;
    if (before_eq) {
      ++i;  // `==`
      continue;
    }
    return i;
  }
  return std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string role_variable(std::string_view role) {
  std::string name = "is_" + std::string(role);
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

const std::vector<std::string>& expression_variables() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names = {"fan_in",   "fan_out",   "fan_avg",         "fan_geo_avg",
                                      "in_units", "out_units", "receptive_field", "depth",
                                      "layer",    "gain",      "exact_gain"};
    for (const std::string_view role : kLayerRoleNames) names.push_back(role_variable(role));
    return names;
  }();
  return kNames;
}

Expr::Expr(double value) : text_(detail::format_number(value)), constant_(value) {}

Expr Expr::parse(std::string_view text, const SpecContext& context) {
  const std::string_view body = trim(text);
  const std::size_t lead = static_cast<std::size_t>(body.data() - text.data());
  if (body.empty()) throw ExprError("empty expression", 0);
  if (const std::size_t eq = find_assignment(body); eq != std::string_view::npos) {
    throw ExprError("assignment '=' is not allowed in an expression", lead + eq);
  }

  Expr expr;
  expr.context_ = context;
  std::array<double, kVariableCount> values{};
  values.fill(1.0);  // any finite value: compiling only checks the syntax
  try {
    mu::Parser parser;
    define_variables(parser, values);
    parser.SetExpr(std::string(body));
    int results = 0;
    parser.Eval(results);
    if (results != 1) {
      throw ExprError("expected a single value, got " + std::to_string(results), lead);
    }
    for (const auto& [name, ptr] : parser.GetUsedVar()) expr.variables_.push_back(name);
    if (expr.variables_.empty()) expr.constant_ = parser.Eval();
  } catch (const mu::Parser::exception_type& e) {
    std::string message = e.GetMsg();
    if (e.GetCode() == mu::ecUNASSIGNABLE_TOKEN) {
      message += " (variables: " + join_variables() + ")";
    }
    const int pos = e.GetPos();
    throw ExprError(message, lead + (pos > 0 ? static_cast<std::size_t>(pos) : 0U));
  }

  // Plain numbers get their shortest round-trip form; other expressions keep the user's text.
  double number = 0.0;
  const auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), number);
  if (ec == std::errc() && end == body.data() + body.size() && std::isfinite(number)) {
    expr.text_ = detail::format_number(number);
  } else {
    expr.text_ = std::string(body);
  }
  return expr;
}

double Expr::evaluate(const FanInfo& fan) const {
  if (is_constant()) {
    if (!std::isfinite(constant_)) {
      throw InputError("expression '" + text_ + "' is not finite (" +
                       detail::format_number(constant_) + ")");
    }
    return constant_;
  }
  std::array<double, kVariableCount> values = variable_values(fan, context_);
  const std::vector<std::string>& names = expression_variables();
  for (const std::string& used : variables_) {
    for (std::size_t i = 0; i < kVariableCount; ++i) {
      if (names[i] == used && std::isnan(values[i])) {
        throw InputError("variable '" + used + "' in expression '" + text_ +
                         "' has no value here (it needs an activation)");
      }
    }
  }
  double result = 0.0;
  try {
    mu::Parser parser;
    define_variables(parser, values);
    parser.SetExpr(text_);
    result = parser.Eval();
  } catch (const mu::Parser::exception_type& e) {
    throw InputError("cannot evaluate expression '" + text_ + "': " + e.GetMsg());
  }
  if (!std::isfinite(result)) {
    throw InputError("expression '" + text_ + "' evaluates to " + detail::format_number(result) +
                     " at layer " + std::to_string(fan.layer) +
                     " (fan_in=" + std::to_string(fan.fan_in()) +
                     ", fan_out=" + std::to_string(fan.fan_out()) + ")");
  }
  return result;
}

}  // namespace initcheck::init
