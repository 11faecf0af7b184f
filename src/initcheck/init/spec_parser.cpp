#include "initcheck/init/spec_parser.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "initcheck/core/error.hpp"
#include "initcheck/init/role_init.hpp"

namespace initcheck::init {
namespace {

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}
/// Bytes >= 0x80 (UTF-8 such as the ö of "nörmal") count as name characters, so a misspelt
/// name is reported whole; no scheme or parameter name contains them.
bool is_ident_start(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalpha(u) != 0 || c == '_' || u >= 0x80;
}
bool is_ident_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isalnum(u) != 0 || c == '_' || u >= 0x80;
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ", ";
    out += s;
  }
  return out;
}

/// A character for messages: printable as is, otherwise as \xNN.
std::string show_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7F) return std::string(1, c);
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("\\x") + kHex[u >> 4U] + kHex[u & 0xFU];
}

/// Recursive-descent reader over one spec; positions in messages are 1-based columns.
class SpecReader {
 public:
  SpecReader(std::string_view spec, const Registry& registry, const SpecContext& context)
      : spec_(spec), end_(spec.size()), registry_(registry), context_(context) {}

  std::shared_ptr<const InitScheme> read() {
    skip_space();
    if (at_end()) throw InputError("empty init spec; expected NAME or NAME(key=value, ...)");
    if (starts_role_map()) return read_role_map();
    return read_scheme();
  }

 private:
  /// True when the spec starts `KEY =` (a role map) rather than `NAME` or `NAME(`.
  [[nodiscard]] bool starts_role_map() const {
    std::size_t p = pos_;
    while (p < end_ && (is_ident_char(spec_[p]) || spec_[p] == '.')) ++p;
    if (p == pos_) return false;
    while (p < end_ && is_space(spec_[p])) ++p;
    return p < end_ && spec_[p] == '=';
  }

  /// Reads `KEY=SPEC, ...` (KEY: default or a role name) to the end of the spec.
  std::shared_ptr<const InitScheme> read_role_map() {
    std::shared_ptr<const InitScheme> fallback;
    std::vector<RoleInit::RoleScheme> by_role;
    const std::size_t spec_end = end_;
    for (;;) {
      skip_space();
      if (at_end()) fail_at(pos_, "expected ROLE=SPEC after ','");
      const std::size_t key_pos = pos_;
      std::string key;
      while (!at_end() && (is_ident_char(peek()) || peek() == '.')) key += spec_[pos_++];
      if (key.empty()) {
        fail_at(pos_, "unexpected '" + show_char(peek()) + "'", "expected default or a role");
      }
      const std::optional<LayerRole> role = parse_role(key);
      if (key != "default" && !role) {
        fail_at(key_pos, "unknown layer role '" + key + "'",
                "expected default or one of: " + join_roles());
      }
      const bool repeated = key == "default"
                                ? fallback != nullptr
                                : std::any_of(by_role.begin(), by_role.end(),
                                              [&](const auto& r) { return r.first == *role; });
      if (repeated) fail_at(key_pos, "duplicate role '" + key + "'");
      skip_space();
      if (at_end() || peek() != '=') fail_at(pos_, "expected '=' after role '" + key + "'");
      ++pos_;
      // The scheme runs to the next ',' outside parentheses.
      const std::size_t value_pos = pos_;
      std::size_t value_end = value_pos;
      for (int depth = 0; value_end < spec_end; ++value_end) {
        const char c = spec_[value_end];
        if (depth == 0 && c == ',') break;
        if (c == '(') ++depth;
        if (c == ')') --depth;
      }
      end_ = value_end;
      skip_space();
      if (at_end()) fail_at(value_pos, "empty scheme for role '" + key + "'");
      std::shared_ptr<const InitScheme> scheme = read_scheme();
      if (role) {
        by_role.emplace_back(*role, std::move(scheme));
      } else {
        fallback = std::move(scheme);
      }
      end_ = spec_end;
      if (at_end()) break;
      ++pos_;  // ','
    }
    if (by_role.empty()) return fallback;  // `default=SPEC` alone is SPEC
    return std::make_shared<RoleInit>(std::move(fallback), std::move(by_role));
  }

  static std::string join_roles() {
    std::string out;
    for (const std::string_view r : kLayerRoleNames) {
      if (!out.empty()) out += ", ";
      out += r;
    }
    return out;
  }

  /// Reads `NAME` or `NAME(key=value, ...)` up to end_.
  std::shared_ptr<const InitScheme> read_scheme() {
    if (!is_ident_start(peek())) {
      fail_at(pos_, "unexpected '" + show_char(peek()) + "'", "expected a scheme name");
    }
    const std::size_t name_pos = pos_;
    const std::string name = identifier();
    const SchemeInfo* info = registry_.find(name);
    if (info == nullptr) {
      fail_at(name_pos, "unknown init scheme '" + name + "'",
              "expected one of: " + join(registry_.names()));
    }

    std::vector<std::pair<std::string, std::size_t>> given;  // key, value position
    std::vector<std::string> values;
    skip_space();
    if (!at_end()) {
      if (peek() != '(') {
        fail_at(pos_, "unexpected '" + show_char(peek()) + "' after '" + name + "'",
                "expected '(' or the end");
      }
      ++pos_;
      read_params(*info, given, values);
      skip_space();
      if (!at_end()) fail_at(pos_, "unexpected '" + show_char(peek()) + "' after ')'");
    }

    SchemeArgs args(info->name, context_);
    for (const ParamSpec& p : info->params) {
      const auto it = std::find_if(given.begin(), given.end(),
                                   [&](const auto& g) { return g.first == p.name; });
      std::string text;
      std::size_t where = 0;
      if (it != given.end()) {
        text = values[static_cast<std::size_t>(it - given.begin())];
        where = it->second;
      } else if (p.default_value.empty()) {
        fail("missing parameter '" + p.name + "' for " + info->name,
             info->name + " takes: " + describe_params(*info));
      } else {
        text = p.default_value;
      }
      if (p.kind == ParamKind::word) {
        if (std::find(p.choices.begin(), p.choices.end(), text) == p.choices.end()) {
          fail_at(where, "bad value '" + text + "' for parameter '" + p.name + "'",
                  "expected one of: " + join(p.choices));
        }
        args.add_word(p.name, text);
      } else {
        try {
          args.add_number(p.name, Expr::parse(text, context_));
        } catch (const ExprError& e) {
          fail_at(where + e.position(),
                  "bad expression '" + text + "' for parameter '" + p.name + "'", e.what());
        }
      }
    }
    return registry_.create(args);
  }

  [[nodiscard]] bool at_end() const { return pos_ >= end_; }
  [[nodiscard]] char peek() const { return spec_[pos_]; }
  void skip_space() {
    while (!at_end() && is_space(peek())) ++pos_;
  }
  std::string identifier() {
    const std::size_t start = pos_;
    while (!at_end() && is_ident_char(peek())) ++pos_;
    return std::string(spec_.substr(start, pos_ - start));
  }

  /// Throws "PROBLEM in init spec 'SPEC'[; HINT]".
  [[noreturn]] void fail(const std::string& problem, const std::string& hint = {}) const {
    throw InputError(problem + " in init spec '" + std::string(spec_) + "'" +
                     (hint.empty() ? "" : "; " + hint));
  }
  /// Throws "PROBLEM at column N of init spec 'SPEC'[; HINT]".
  [[noreturn]] void fail_at(std::size_t pos, const std::string& problem,
                            const std::string& hint = {}) const {
    throw InputError(problem + " at column " + std::to_string(column(pos)) + " of init spec '" +
                     std::string(spec_) + "'" + (hint.empty() ? "" : "; " + hint));
  }

  /// 1-based column of byte `pos`, counting UTF-8 characters (not continuation bytes).
  [[nodiscard]] std::size_t column(std::size_t pos) const {
    const std::string_view before = spec_.substr(0, std::min(pos, spec_.size()));
    return 1 +
           static_cast<std::size_t>(std::count_if(
               before.begin(), before.end(),
               [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; })) +
           (pos > spec_.size() ? pos - spec_.size() : 0);
  }

  static std::string describe_params(const SchemeInfo& info) {
    std::string out;
    for (const ParamSpec& p : info.params) {
      if (!out.empty()) out += ", ";
      out += p.default_value.empty() ? p.name + " (required)" : p.name + "=" + p.default_value;
    }
    return out;
  }

  /// Reads `key=value, ...)` after the '('.
  void read_params(const SchemeInfo& info, std::vector<std::pair<std::string, std::size_t>>& given,
                   std::vector<std::string>& values) {
    skip_space();
    if (!at_end() && peek() == ')') {  // NAME()
      ++pos_;
      return;
    }
    for (;;) {
      skip_space();
      if (at_end()) fail_at(pos_, "missing ')'");
      if (!is_ident_start(peek())) {
        fail_at(pos_, "unexpected '" + show_char(peek()) + "'", "expected a parameter name");
      }
      const std::size_t key_pos = pos_;
      const std::string key = identifier();
      const bool known = std::any_of(info.params.begin(), info.params.end(),
                                     [&](const ParamSpec& p) { return p.name == key; });
      if (!known) {
        if (info.params.empty()) {
          fail_at(key_pos, "unknown parameter '" + key + "'", info.name + " takes no parameters");
        }
        std::vector<std::string> names;
        for (const ParamSpec& p : info.params) names.push_back(p.name);
        fail_at(key_pos, "unknown parameter '" + key + "'", "expected one of: " + join(names));
      }
      if (std::any_of(given.begin(), given.end(), [&](const auto& g) { return g.first == key; })) {
        fail_at(key_pos, "duplicate parameter '" + key + "'");
      }
      skip_space();
      if (at_end() || peek() != '=') {
        fail_at(pos_, "expected '=' after parameter '" + key + "'");
      }
      ++pos_;
      // The value runs to the next ',' or ')' outside parentheses.
      skip_space();
      const std::size_t value_pos = pos_;
      int depth = 0;
      while (!at_end()) {
        const char c = peek();
        if (depth == 0 && (c == ',' || c == ')')) break;
        if (c == '(') ++depth;
        if (c == ')') --depth;
        ++pos_;
      }
      if (at_end()) fail_at(pos_, "missing ')'");
      std::string_view value = spec_.substr(value_pos, pos_ - value_pos);
      while (!value.empty() && is_space(value.back())) value.remove_suffix(1);
      if (value.empty()) fail_at(value_pos, "empty value for parameter '" + key + "'");
      given.emplace_back(key, value_pos);
      values.emplace_back(value);
      if (peek() == ')') {
        ++pos_;
        return;
      }
      ++pos_;  // ','
    }
  }

  std::string_view spec_;
  std::size_t end_;  ///< end of the part being read (one role's scheme inside a role map)
  const Registry& registry_;
  const SpecContext& context_;
  std::size_t pos_ = 0;
};

}  // namespace

std::shared_ptr<const InitScheme> parse_init_spec(std::string_view spec, const Registry& registry,
                                                  const SpecContext& context) {
  return SpecReader(spec, registry, context).read();
}

}  // namespace initcheck::init
