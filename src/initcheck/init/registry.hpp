#pragma once
/// The registry of init schemes: names, declared parameters and factories.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "initcheck/init/expression.hpp"
#include "initcheck/init/init_scheme.hpp"

namespace initcheck::init {

/// How a parameter's value is read: a number (any expression) or a word from a fixed list.
enum class ParamKind { number, word };

/// One declared parameter of a scheme.
struct ParamSpec {
  std::string name;
  ParamKind kind = ParamKind::number;
  std::string default_value;         ///< canonical default; empty = required
  std::vector<std::string> choices;  ///< allowed values of a word parameter
};

/// What the registry lists for a scheme (`initcheck schemes`).
struct SchemeInfo {
  std::string name;               ///< identifier: [A-Za-z_][A-Za-z0-9_]*
  std::vector<ParamSpec> params;  ///< in canonical order
  std::string formula;            ///< variance formula, e.g. `Var = gain²/fan`
};

/// The parameters of one parsed spec, every declared parameter present (defaults filled in).
class SchemeArgs {
 public:
  SchemeArgs(std::string scheme, SpecContext context)
      : scheme_(std::move(scheme)), context_(context) {}

  /// Appends a word parameter / a number parameter (parser use; keeps declaration order).
  void add_word(std::string key, std::string value);
  void add_number(std::string key, Expr value);

  /// The value of a word parameter; throws std::out_of_range if it was not declared as a word.
  [[nodiscard]] const std::string& word(std::string_view key) const;
  /// The expression of a number parameter; throws std::out_of_range if not declared as a number.
  [[nodiscard]] const Expr& number(std::string_view key) const;
  [[nodiscard]] const SpecContext& context() const { return context_; }
  [[nodiscard]] const std::string& scheme() const { return scheme_; }
  /// `scheme(k=v, ...)` with every parameter spelled out, or `scheme` when it has none.
  [[nodiscard]] std::string canonical() const;

 private:
  struct Value {
    std::string key;
    bool is_word = true;
    std::string word;
    Expr number{0.0};
  };
  std::string scheme_;
  SpecContext context_;
  std::vector<Value> values_;
};

/// Builds a scheme from parsed parameters (may throw InputError for bad constant values).
using SchemeFactory = std::function<std::shared_ptr<const InitScheme>(const SchemeArgs&)>;

/// Name → factory. Registration is explicit (register_builtin_schemes), never static.
/// Adding a scheme:
///   registry.add({"my_init", {{"scale", ParamKind::number, "1"}}, "Var = scale/fan_in"},
///                [](const SchemeArgs& a) { return std::make_shared<MyInit>(a.number("scale")); });
/// or, for a parameterless scheme, `registry.add(std::make_shared<MyInit>())` (name from name()).
class Registry {
 public:
  /// Registers a parameterized scheme. Throws std::invalid_argument on a duplicate or
  /// malformed name (a programming error, not user input).
  void add(SchemeInfo info, SchemeFactory factory);
  /// Registers a ready, parameterless scheme under scheme->name() with its formula().
  void add(std::shared_ptr<const InitScheme> scheme);

  /// The scheme's entry, or nullptr.
  [[nodiscard]] const SchemeInfo* find(std::string_view name) const;
  /// Every registered scheme, in registration order.
  [[nodiscard]] std::vector<const SchemeInfo*> schemes() const;
  /// Registered names, in registration order.
  [[nodiscard]] std::vector<std::string> names() const;
  /// Builds the scheme named by args.scheme() (must be registered).
  [[nodiscard]] std::shared_ptr<const InitScheme> create(const SchemeArgs& args) const;

 private:
  struct Entry {
    SchemeInfo info;
    SchemeFactory factory;
  };
  std::vector<Entry> entries_;
};

}  // namespace initcheck::init
