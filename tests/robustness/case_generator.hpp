#pragma once
/// Random `initcheck` invocations for the robustness harness: valid command lines, init specs and
/// sweep files, then mutated. Case i of a seed is a pure function of (seed, i, classes).

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace initcheck::fuzz {

/// The kinds of mutation a case may carry; the harness can restrict a campaign to some of them.
enum class MutationClass {
  flags,    ///< delete / duplicate / swap / misspell options and subcommands
  values,   ///< edge-case option values (0, -1, nan, inf, '', 1e308, over-long integers, ...)
  text,     ///< non-ASCII, embedded newlines and control characters, very long strings
  spec,     ///< corrupted init / activation / branch-scale spec strings
  yaml,     ///< corrupted sweep files (types, missing and duplicate keys, tabs, syntax)
  toml,     ///< the sweep file as TOML, corrupted (types, keys, table headers, syntax)
  merge,    ///< corrupted shard results files given to `merge`
  sizes,    ///< resource-heavy sizes: huge depth/width/batch/grids, or a dropped size bound
  weights,  ///< `check --weights w` on corrupted or inconsistent safetensors files in w/
};

/// Every class, in a fixed order.
const std::vector<MutationClass>& all_mutation_classes();
const char* class_name(MutationClass c);
/// Parses "flags,values,..." (or "all"); throws std::invalid_argument on an unknown name.
std::vector<MutationClass> parse_classes(const std::string& list);

/// One invocation: arguments after the program name, and the input files it expects in its
/// working directory (name, content; a name may have one directory, e.g. w/seed_0.safetensors).
struct Case {
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<MutationClass> applied;  ///< mutations actually applied (empty: a valid case)
};

/// Valid shard results files of a tiny sweep, given to `merge` cases (made once per campaign).
struct ShardFiles {
  std::string first;   ///< results-1-of-2.jsonl
  std::string second;  ///< results-2-of-2.jsonl
};

/// The tiny sweep whose shards the harness produces before the campaign.
std::string shard_sweep_yaml();

/// Case `index` of campaign `seed`, drawing mutations only from `allowed`.
Case generate_case(std::uint64_t seed, std::uint64_t index,
                   const std::vector<MutationClass>& allowed, const ShardFiles& shards);

}  // namespace initcheck::fuzz
