#pragma once
/// Numeric expressions in init specs (e.g. `sqrt(2/fan_in)`), evaluated per layer.

#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/core/error.hpp"
#include "initcheck/core/fan_info.hpp"

namespace initcheck::init {

/// Values an expression may use that do not come from the layer shape. NaN = unavailable
/// (using an unavailable variable is an InputError at evaluation time, naming it).
struct SpecContext {
  /// PyTorch's calculate_gain for the network's activation (`gain`).
  double gain = std::numeric_limits<double>::quiet_NaN();
  /// The variance-preserving gain 1/√E[φ(z)²] computed by the theory module (`exact_gain`).
  double exact_gain = std::numeric_limits<double>::quiet_NaN();
};

/// Names usable in expressions: fan_in, fan_out, fan_avg, fan_geo_avg (√(fan_in·fan_out)),
/// in_units, out_units, receptive_field, depth, layer, gain, exact_gain, then one 0/1 indicator
/// per layer role (role_variable: is_embed, is_hidden, is_readout, is_mlp_in, ...).
const std::vector<std::string>& expression_variables();

/// The indicator variable of a role: `is_` + the name with '.' → '_' (`mlp.out` → `is_mlp_out`);
/// 1 on layers of that role, 0 elsewhere.
std::string role_variable(std::string_view role);

/// A syntax error in an expression; `position()` is the 0-based offset inside the expression.
class ExprError : public InputError {
 public:
  ExprError(const std::string& message, std::size_t position)
      : InputError(message), position_(position) {}
  [[nodiscard]] std::size_t position() const { return position_; }

 private:
  std::size_t position_;
};

/// A compiled numeric expression (muParser syntax plus `x % y`, the floating remainder fmod(x, y)
/// with the sign of x, at the precedence of * and /). Immutable and thread-safe.
class Expr {
 public:
  /// The constant `value` (canonical text: shortest round-trip decimal).
  explicit Expr(double value);

  /// Compiles `text`; throws ExprError (muParser's message and position) on a syntax error,
  /// an unknown variable, or an assignment.
  static Expr parse(std::string_view text, const SpecContext& context = {});

  /// Value for one layer. Throws InputError naming an unavailable variable (e.g. `exact_gain`
  /// with no activation) or a non-finite result.
  [[nodiscard]] double evaluate(const FanInfo& fan) const;

  /// Canonical text (plain numbers in shortest round-trip form); re-parses to the same value.
  [[nodiscard]] const std::string& text() const { return text_; }
  /// True when the expression uses no variable.
  [[nodiscard]] bool is_constant() const { return variables_.empty(); }
  /// Variables the expression uses.
  [[nodiscard]] const std::vector<std::string>& variables() const { return variables_; }

 private:
  Expr() = default;

  std::string text_;
  double constant_ = 0.0;  ///< the value when is_constant()
  std::vector<std::string> variables_;
  SpecContext context_;
};

}  // namespace initcheck::init
