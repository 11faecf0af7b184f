#pragma once
/// TOML sweep files: read into the YAML node tree the sweep parser reads, so both formats share
/// one schema and one set of checks.

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace initcheck::sweep::detail {

/// A YAML node tree with each node's 1-based line. yaml-cpp keeps the mark only of nodes it
/// parsed, so the lines of a tree built from TOML are kept beside it.
struct NodeTree {
  YAML::Node root;
  std::vector<std::pair<YAML::Node, int>> lines;  ///< built nodes (keys and values) and lines

  /// `node`'s line: its YAML mark, else its entry in `lines`; 0 if neither knows it.
  [[nodiscard]] int line_of(const YAML::Node& node) const;
};

/// Parses a TOML document into a tree of YAML maps, lists and scalars (integers and floats as
/// their decimal text, nan and inf as .nan and .inf, booleans as true/false), keys in file
/// order. Throws InputError "SOURCE:LINE: TOML syntax error: ..." and on a date or time value.
NodeTree read_toml_tree(std::string_view text, const std::string& source);

/// Whether a sweep file is TOML: by its name (`.toml`; `.yaml` and `.yml` are YAML), else by
/// its first line that is neither blank nor a comment: a table header (`[...]`) or a
/// `key = value` line whose `=` comes before any `:`.
bool is_toml(const std::string& source, std::string_view text);

}  // namespace initcheck::sweep::detail
