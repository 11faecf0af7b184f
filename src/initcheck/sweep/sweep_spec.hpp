#pragma once
/// Sweep files: a YAML or TOML grid of configurations expanded into check requests. The keys
/// are documented for users in README.md, `initcheck report --help` and docs/sweep.schema.json
/// (a test keeps all three in step with the keys this parser accepts).
///
/// ```yaml
/// seed: 20261129             # master seed (optional, default 1)
/// defaults: {batch: 128}     # optional, applies to every block
/// blocks:                    # each block is the cartesian product of its list-valued keys
///   - name: plain MLPs       # optional label
///     init: [kaiming_normal, xavier_normal]
///     activation: [relu, tanh]
///     depth: [10, 50]
///     width: 256
///     claims: [variance, growth]   # a list, not a grid axis
/// ```
/// Keys: the request fields' sweep keys (claims/request_fields.hpp: init, activation, arch,
/// depth, width, widths, batch, kernel, spatial, branch_scale, norm, precision, input, tolerance,
/// alpha, claims, replicates, max_networks, budget) and name.
/// Every block needs init and activation (in the block or in defaults). `widths` replaces
/// `width` and `depth`: a map holding both is an error, and a block's own key overrides the
/// other one from defaults. Duplicate keys, non-scalar keys and a second YAML document are
/// errors. A cell that is invalid (bad value, unknown claim, a listed claim that does not apply,
/// the same request as an earlier cell) is found by mark_invalid_cells (cell_validation.hpp).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "initcheck/claims/check_request.hpp"

namespace initcheck::sweep {

/// One configuration of the sweep, with the block it came from.
struct SweepCell {
  std::string block;             ///< the block's name (or "block N")
  claims::CheckRequest request;  ///< request.seed is already the cell's own seed
  int line = 0;                  ///< 1-based line of the block in the file
  std::string values;   ///< the cell's values of the block's list-valued keys ("depth=3, width=8")
  std::string invalid;  ///< why the cell cannot be checked (mark_invalid_cells); never run if set
};

struct SweepSpec {
  std::string source;  ///< the file as named in messages
  std::uint64_t seed = 1;
  std::vector<SweepCell> cells;  ///< in file order: block by block, last key varying fastest
};

/// Called before each block is expanded with the number of cells of the blocks so far plus
/// this one (a double: a grid's product may exceed 64 bits), so that a caller can refuse
/// (throw) a grid too large to hold before it is built.
using GridCheck = std::function<void(double cells)>;

/// Parses a sweep document, TOML if `source` ends in .toml or (with no .toml, .yaml or .yml
/// extension) its first line is a [table] or `key = value`, else YAML; both have the same keys.
/// `source` names the file in error messages ("FILE:LINE: ...").
/// Throws InputError on YAML or TOML syntax errors, unknown, duplicate or non-scalar keys, wrong
/// types, a missing init or activation, `width`/`depth` with `widths`, empty grids and extra
/// documents.
SweepSpec parse_sweep(std::istream& in, const std::string& source,
                      const GridCheck& check_grid = {});

/// Reads and parses a sweep file; an unreadable path is an InputError naming it.
SweepSpec load_sweep(const std::filesystem::path& path, const GridCheck& check_grid = {});

/// A cell's seed: a pure function of the master seed and the cell's configuration (its
/// reproduce command without the seed), so adding cells never changes another cell's seed.
std::uint64_t cell_seed(std::uint64_t master_seed, const claims::CheckRequest& request);

}  // namespace initcheck::sweep
