#include "initcheck/sweep/detail/toml_tree.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "initcheck/core/error.hpp"

namespace initcheck::sweep::detail {
namespace {

/// A float as YAML reads it back: shortest round-trip digits, with a '.' so that a float never
/// passes as an integer (TOML's `depth = 3.0` is refused like YAML's `depth: 3.0`).
std::string float_text(double value) {
  if (std::isnan(value)) return ".nan";
  if (std::isinf(value)) return value > 0 ? ".inf" : "-.inf";
  std::array<char, 32> buffer{};
  const auto end = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value).ptr;
  std::string text(buffer.data(), end);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  return text;
}

class Converter {
 public:
  explicit Converter(const std::string& source) : source_(source) {}

  YAML::Node convert(const toml::node& node) {
    YAML::Node out = build(node);
    remember(out, node.source().begin.line);
    return out;
  }

 private:
  YAML::Node build(const toml::node& node) {
    if (const toml::table* table = node.as_table()) {
      // toml::table orders keys by name; the YAML tree keeps file order, like a YAML map.
      std::vector<std::pair<const toml::key*, const toml::node*>> entries;
      for (const auto& [key, value] : *table) entries.emplace_back(&key, &value);
      std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        const toml::source_position& pa = a.first->source().begin;
        const toml::source_position& pb = b.first->source().begin;
        return std::pair(pa.line, pa.column) < std::pair(pb.line, pb.column);
      });
      YAML::Node map(YAML::NodeType::Map);
      for (const auto& [key, value] : entries) {
        YAML::Node name(std::string(key->str()));
        remember(name, key->source().begin.line);
        map.force_insert(name, convert(*value));
      }
      return map;
    }
    if (const toml::array* array = node.as_array()) {
      YAML::Node list(YAML::NodeType::Sequence);
      for (const toml::node& item : *array) list.push_back(convert(item));
      return list;
    }
    if (const auto* text = node.as_string()) return YAML::Node(text->get());
    if (const auto* integer = node.as_integer()) return YAML::Node(std::to_string(integer->get()));
    if (const auto* number = node.as_floating_point()) return YAML::Node(float_text(number->get()));
    if (const auto* flag = node.as_boolean()) return YAML::Node(flag->get() ? "true" : "false");
    throw InputError(source_ + ":" + std::to_string(node.source().begin.line) +
                     ": a date or time is not a sweep value");
  }

  /// Keeps `line` in the node's tag for node_line (0: toml++ knows no line).
  static void remember(YAML::Node& node, std::uint32_t line) {
    if (line > 0) node.SetTag(std::to_string(line));
  }

  const std::string& source_;
};

bool first_line_is_toml(std::string_view text) {
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    line.remove_prefix(std::min(line.find_first_not_of(" \t\r"), line.size()));
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '[') return true;
    const std::size_t equals = line.find('=');
    return equals != std::string_view::npos && equals < line.find(':');
  }
  return false;
}

}  // namespace

int node_line(const YAML::Node& node) {
  if (node.Mark().line >= 0) return node.Mark().line + 1;
  const std::string& tag = node.Tag();
  int line = 0;
  std::from_chars(tag.data(), tag.data() + tag.size(), line);
  return line;
}

YAML::Node read_toml_tree(std::string_view text, const std::string& source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::string problem(e.description());
    std::replace(problem.begin(), problem.end(), '\n', ' ');
    throw InputError(source + ":" + std::to_string(e.source().begin.line) +
                     ": TOML syntax error: " + problem);
  }
  YAML::Node tree = Converter(source).convert(root);
  if (node_line(tree) == 0) tree.SetTag("1");  // the document itself: its first line
  return tree;
}

bool is_toml(const std::string& source, std::string_view text) {
  const std::string extension = std::filesystem::path(source).extension().string();
  if (extension == ".toml") return true;
  if (extension == ".yaml" || extension == ".yml") return false;
  return first_line_is_toml(text);
}

}  // namespace initcheck::sweep::detail
