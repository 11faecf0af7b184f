#pragma once
/// The deterministic parallel sweep runner: checks every cell (or one shard's cells) on a
/// std::thread pool and stores results by cell index, so the output is identical for any
/// number of threads.

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/sweep/sweep_results.hpp"
#include "initcheck/sweep/sweep_spec.hpp"

namespace initcheck::sweep {

/// Checks one configuration. Throws InputError when the configuration is invalid (recorded as
/// an error row); any other exception is a bug, recorded as an "internal error: ..." row
/// (CellResult::internal) while the other cells go on. Must be safe to call concurrently.
using Checker = std::function<claims::CheckResult(const claims::CheckRequest&)>;

/// `--shard i/N`: cells whose index % count == index − 1 (index is 1-based).
struct Shard {
  int index = 1;
  int count = 1;

  [[nodiscard]] bool contains(std::size_t cell) const {
    return cell % static_cast<std::size_t>(count) == static_cast<std::size_t>(index - 1);
  }
};

/// Parses "i/N" with 1 ≤ i ≤ N; throws InputError otherwise (e.g. "0/3", "4/3", "x").
Shard parse_shard(std::string_view text);

struct RunOptions {
  int jobs = 0;                      ///< worker threads; 0 = std::thread::hardware_concurrency()
  Shard shard;                       ///< 1/1 = every cell
  std::ostream* progress = nullptr;  ///< progress bar target (a TTY), or nullptr for quiet
};

/// Replaces the master seed and recomputes every cell's seed (`--seed S` on the command line).
void reseed(SweepSpec& spec, std::uint64_t master_seed);

/// The sweep's identity: master seed, cell count and a hash of every cell's block and
/// reproduce command (seeds included). `file` is recorded as normalized_sweep_path(file).
SweepInfo sweep_info(const SweepSpec& spec, const std::string& file);

/// `file` in one spelling, so shards run with `--sweep six.yaml` and `--sweep ./six.yaml` merge:
/// lexically normal ("a/./b/../c" → "a/c"), and relative to the working directory when it is
/// an absolute path inside it.
std::string normalized_sweep_path(const std::string& file);

/// Runs `checker` on the cells of `options.shard`, in parallel, and returns them sorted by cell
/// index. Deterministic: the result does not depend on `options.jobs`. Cells marked invalid
/// (SweepCell::invalid) are not run: their row holds the reason as its error.
SweepResults run_sweep(const SweepSpec& spec, const SweepInfo& info, const Checker& checker,
                       const RunOptions& options);

}  // namespace initcheck::sweep
