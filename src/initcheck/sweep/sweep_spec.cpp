#include "initcheck/sweep/sweep_spec.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>
#include <variant>

#include "initcheck/claims/request_fields.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/rng/engine.hpp"
#include "initcheck/sweep/detail/toml_tree.hpp"

namespace initcheck::sweep {
namespace {

using claims::CheckRequest;

/// Grid axes: the request fields with SweepRole::axis (claims/request_fields.hpp), in order.
const std::vector<std::string> kGridKeys = [] {
  std::vector<std::string> keys;
  for (const claims::RequestField& field : claims::kRequestFields) {
    if (field.sweep == claims::SweepRole::axis) keys.emplace_back(field.key);
  }
  return keys;
}();
const std::set<std::string> kBlockKeys = [] {
  std::set<std::string> keys(kGridKeys.begin(), kGridKeys.end());
  keys.insert("claims");
  keys.insert("name");
  return keys;
}();

std::string key_list() {
  std::string out;
  for (const std::string& k : kBlockKeys) out += (out.empty() ? "" : ", ") + k;
  return out;
}

class Parser {
 public:
  Parser(std::string source, GridCheck check_grid)
      : source_(std::move(source)), check_grid_(std::move(check_grid)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    const int line = detail::node_line(node);
    std::string where = source_;
    if (line > 0) where += ":" + std::to_string(line);
    throw InputError(where + ": " + message);
  }

  template <typename T>
  T scalar(const YAML::Node& node, const std::string& key, const char* type_name) const {
    if (!node.IsScalar()) fail(node, "key '" + key + "' must be " + type_name);
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(node, "key '" + key + "' must be " + type_name + " (got '" + node.Scalar() + "')");
    }
  }

  /// Applies one grid value to a request (the field named `key` of claims/request_fields.hpp).
  void apply(CheckRequest& r, const std::string& key, const YAML::Node& v) const {
    const claims::RequestField* field = claims::find_request_field(key);
    if (field == nullptr) return;
    std::visit(
        [&](auto member) {
          auto& value = r.*member;
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::string>) {
            value = scalar<std::string>(v, key, "a string");
          } else if constexpr (std::is_same_v<T, double>) {
            value = scalar<double>(v, key, "a number");
          } else if constexpr (std::is_integral_v<T>) {
            value = scalar<T>(v, key, "an integer");
          } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
            value = int_list(v, key);
          } else {
            value.clear();
            for (const YAML::Node& item : v)
              value.push_back(scalar<std::string>(item, key, "a string"));
          }
        },
        field->member);
  }

  std::vector<std::int64_t> int_list(const YAML::Node& v, const std::string& key) const {
    if (!v.IsSequence() || v.size() == 0) {
      fail(v, "key '" + key + "' must be a non-empty list of integers");
    }
    std::vector<std::int64_t> out;
    for (const YAML::Node& item : v) out.push_back(scalar<std::int64_t>(item, key, "an integer"));
    return out;
  }

  /// The values of one grid axis: a list (one value each), or a scalar (one value).
  /// `widths` is a list of integers (one value) or a list of such lists (an axis).
  std::vector<YAML::Node> axis(const YAML::Node& v, const std::string& key) const {
    if (v.IsNull()) fail(v, "key '" + key + "' has no value");
    if (key == "widths") {
      if (v.IsSequence() && v.size() > 0 && v[0].IsSequence()) return {v.begin(), v.end()};
      return {v};
    }
    if (v.IsMap()) fail(v, "key '" + key + "' must be a value or a list of values, not a map");
    if (!v.IsSequence()) return {v};
    if (v.size() == 0) fail(v, "key '" + key + "' is an empty list: the grid would be empty");
    return {v.begin(), v.end()};
  }

  /// A map key as a string; lists, maps and nulls as keys are errors.
  std::string key_of(const YAML::Node& key) const {
    if (!key.IsScalar()) fail(key, "a key must be a plain name, not a list, map or null");
    return key.Scalar();
  }

  /// Rejects a non-map, non-scalar, unknown or duplicate keys, and `width`/`depth` with `widths`.
  void check_keys(const YAML::Node& block, const std::string& what) const {
    if (!block.IsMap()) fail(block, what + " must be a map of keys");
    std::map<std::string, int> seen;  // key -> 1-based line
    for (const auto& kv : block) {
      const std::string key = key_of(kv.first);
      if (!kBlockKeys.contains(key)) {
        fail(kv.first, "unknown key '" + key + "' in " + what + "; expected one of: " + key_list());
      }
      const int line = detail::node_line(kv.first);
      if (const auto [it, added] = seen.emplace(key, line); !added) {
        fail(kv.first, "duplicate key '" + key + "' in " + what + " (first on line " +
                           std::to_string(it->second) + ")");
      }
    }
    for (const char* single : {"width", "depth"}) {
      if (seen.contains("widths") && seen.contains(single)) {
        fail(block, what + " sets both '" + single +
                        "' and 'widths' (widths lists n0..nL, so it sets width and depth)");
      }
    }
  }

  /// The block's keys over the defaults'; a block's `widths` drops the defaults' `width` and
  /// `depth`, a block's `width` or `depth` drops the defaults' `widths`.
  std::map<std::string, YAML::Node> merge(const YAML::Node& defaults,
                                          const YAML::Node& block) const {
    // Never `merged[key] = node` over an existing entry: YAML::Node assignment writes through
    // to the node it refers to, so a block's value would overwrite the defaults' for later blocks.
    std::map<std::string, YAML::Node> merged;
    if (defaults) {
      for (const auto& kv : defaults) merged.emplace(kv.first.Scalar(), kv.second);
    }
    bool own_widths = false;
    bool own_width_or_depth = false;
    for (const auto& kv : block) {
      const std::string& key = kv.first.Scalar();
      own_widths = own_widths || key == "widths";
      own_width_or_depth = own_width_or_depth || key == "width" || key == "depth";
    }
    if (own_widths) {
      merged.erase("width");
      merged.erase("depth");
    }
    if (own_width_or_depth) merged.erase("widths");
    for (const auto& kv : block) {
      merged.erase(kv.first.Scalar());
      merged.emplace(kv.first.Scalar(), kv.second);
    }
    return merged;
  }

  SweepSpec parse(const YAML::Node& root) const {
    if (!root.IsMap()) fail(root, "a sweep file must be a YAML map with a 'blocks' list");
    std::set<std::string> top;
    for (const auto& kv : root) {
      const std::string key = key_of(kv.first);
      if (key != "seed" && key != "defaults" && key != "blocks") {
        fail(kv.first,
             "unknown top-level key '" + key + "'; expected one of: seed, defaults, blocks");
      }
      if (!top.insert(key).second) fail(kv.first, "duplicate top-level key '" + key + "'");
    }
    SweepSpec spec;
    spec.source = source_;
    if (root["seed"]) {
      spec.seed = scalar<std::uint64_t>(root["seed"], "seed", "a non-negative integer");
    }
    const YAML::Node defaults = root["defaults"];
    if (defaults) check_keys(defaults, "defaults");
    const YAML::Node blocks = root["blocks"];
    if (!blocks) fail(root, "missing key 'blocks'");
    if (!blocks.IsSequence() || blocks.size() == 0) {
      fail(blocks, "'blocks' must be a non-empty list");
    }

    for (std::size_t b = 0; b < blocks.size(); ++b) {
      const YAML::Node block = blocks[b];
      const std::string what = "block " + std::to_string(b + 1);
      check_keys(block, what);
      std::map<std::string, YAML::Node> merged = merge(defaults, block);
      for (const char* required : {"init", "activation"}) {
        if (!merged.contains(required)) {
          fail(block, what + " has no '" + required + "' (set it in the block or in defaults)");
        }
      }

      const std::string name =
          merged.contains("name") ? scalar<std::string>(merged["name"], "name", "a string") : what;
      CheckRequest base;
      if (merged.contains("claims")) {
        const YAML::Node c = merged["claims"];
        if (c.IsSequence()) {
          if (c.size() == 0) {
            fail(c, "key 'claims' is an empty list (omit it to check every applicable claim)");
          }
          for (const YAML::Node& item : c) {
            base.claims.push_back(scalar<std::string>(item, "claims", "a claim id"));
          }
        } else {
          base.claims.push_back(scalar<std::string>(c, "claims", "a claim id or a list of them"));
        }
      }
      std::vector<Axis> axes;
      for (const std::string& key : kGridKeys) {
        if (merged.contains(key)) axes.push_back({key, axis(merged[key], key)});
      }
      if (check_grid_) {  // refuse an oversized grid before building it
        double block_cells = 1.0;
        for (const Axis& axis : axes) block_cells *= static_cast<double>(axis.values.size());
        cells_ += block_cells;
        check_grid_(cells_);
      }
      const Origin origin{name, detail::node_line(block)};
      expand(spec, origin, base, axes, 0, "");
    }
    return spec;
  }

 private:
  struct Axis {
    std::string key;
    std::vector<YAML::Node> values;
  };
  struct Origin {
    std::string block;
    int line;
  };

  /// A value as written, for messages: a scalar, or a list joined with commas.
  static std::string text_of(const YAML::Node& v) {
    if (v.IsScalar()) return v.Scalar();
    std::string out = "[";
    for (const YAML::Node& item : v) {
      if (out.size() > 1) out += ',';
      out += text_of(item);
    }
    return out + "]";
  }

  void expand(SweepSpec& spec, const Origin& origin, CheckRequest request,
              const std::vector<Axis>& axes, std::size_t index, const std::string& values) const {
    if (index == axes.size()) {
      request.seed = cell_seed(spec.seed, request);
      spec.cells.push_back({origin.block, std::move(request), origin.line, values, ""});
      return;
    }
    const Axis& a = axes[index];
    for (const YAML::Node& value : a.values) {
      CheckRequest r = request;
      apply(r, a.key, value);
      std::string v = values;
      if (a.values.size() > 1) {
        if (!v.empty()) v += ", ";
        v += a.key + "=" + text_of(value);
      }
      expand(spec, origin, std::move(r), axes, index + 1, v);
    }
  }

  std::string source_;
  GridCheck check_grid_;
  mutable double cells_ = 0.0;
};

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

std::uint64_t cell_seed(std::uint64_t master_seed, const claims::CheckRequest& request) {
  claims::CheckRequest unseeded = request;
  unseeded.seed = 0;
  return rng::splitmix64(master_seed ^ rng::splitmix64(fnv1a(claims::reproduce_command(unseeded))));
}

SweepSpec parse_sweep(std::istream& in, const std::string& source, const GridCheck& check_grid) {
  const auto at = [&source](const YAML::Mark& mark) {
    return mark.line >= 0 ? source + ":" + std::to_string(mark.line + 1) : source;
  };
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (detail::is_toml(source, text)) {
    const YAML::Node root = detail::read_toml_tree(text, source);
    try {
      return Parser(source, check_grid).parse(root);
    } catch (const YAML::Exception& e) {  // a conversion the checks missed: still bad input
      throw InputError(source + ": " + e.msg);
    }
  }
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    throw InputError(at(e.mark) + ": YAML syntax error: " + e.msg);
  }
  if (documents.size() > 1) {
    throw InputError(at(documents[1].Mark()) +
                     ": a sweep file holds one YAML document; found a second one ('---')");
  }
  try {
    return Parser(source, check_grid).parse(documents.empty() ? YAML::Node() : documents.front());
  } catch (const YAML::Exception& e) {  // a conversion the checks above missed: still bad input
    throw InputError(at(e.mark) + ": " + e.msg);
  }
}

SweepSpec load_sweep(const std::filesystem::path& path, const GridCheck& check_grid) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot read sweep file '" + path.string() + "'");
  if (std::filesystem::is_directory(path)) {
    throw InputError("sweep file '" + path.string() + "' is a directory");
  }
  return parse_sweep(in, path.string(), check_grid);
}

}  // namespace initcheck::sweep
