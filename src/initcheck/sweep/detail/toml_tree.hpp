#pragma once
/// TOML sweep files: read into the YAML node tree the sweep parser reads, so both formats share
/// one schema and one set of checks.

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

namespace initcheck::sweep::detail {

/// A node's 1-based line: its YAML mark, or for a node built from TOML the line kept in its tag
/// (yaml-cpp marks only the nodes it parsed; the sweep parser never reads tags); 0 if unknown.
int node_line(const YAML::Node& node);

/// Parses a TOML document into a tree of YAML maps, lists and scalars (integers and floats as
/// their decimal text, nan and inf as .nan and .inf, booleans as true/false), keys in file
/// order, each node's line kept for node_line. Throws InputError "SOURCE:LINE: TOML syntax
/// error: ..." and on a date or time value.
YAML::Node read_toml_tree(std::string_view text, const std::string& source);

/// Whether a sweep file is TOML: by its name (`.toml`; `.yaml` and `.yml` are YAML), else by
/// its first line that is neither blank nor a comment: a table header (`[...]`) or a
/// `key = value` line whose `=` comes before any `:`.
bool is_toml(const std::string& source, std::string_view text);

}  // namespace initcheck::sweep::detail
