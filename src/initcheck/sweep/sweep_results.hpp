#pragma once
/// The results of a sweep: one row per cell, in cell-index order. What the runner produces,
/// the JSON-lines files store, `initcheck merge` reassembles and the report renders.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"

namespace initcheck::sweep {

/// Identifies the sweep a result row belongs to; every row of one run carries the same value,
/// so shards of different sweeps (or seeds) are never merged.
struct SweepInfo {
  std::string file;         ///< the sweep file (normalized_sweep_path of the command line)
  std::uint64_t seed = 1;   ///< master seed
  std::size_t cells = 0;    ///< number of cells of the whole sweep (all shards)
  std::string fingerprint;  ///< hash of every cell's block and command (16 hex digits)

  friend bool operator==(const SweepInfo&, const SweepInfo&) = default;
};

/// One cell's outcome. Exactly one of `error` (the configuration is invalid) and `result`
/// is meaningful.
struct CellResult {
  std::size_t index = 0;  ///< 0-based position of the cell in the sweep
  std::string block;
  claims::CheckRequest request;  ///< request.seed is the cell's seed
  std::string error;             ///< why the cell was not checked; empty when the check ran
  bool internal = false;         ///< `error` is a bug (exit 4), not an invalid configuration
  claims::CheckResult result;

  [[nodiscard]] bool ok() const { return error.empty(); }
};

struct SweepResults {
  SweepInfo info;
  std::vector<CellResult> cells;  ///< sorted by index; all of them unless this is a shard
};

}  // namespace initcheck::sweep
