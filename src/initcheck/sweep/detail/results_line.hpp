#pragma once
/// Internal: what the results-JSON writer, parser and merger share (sweep-private).

#include <string>

#include "initcheck/sweep/sweep_results.hpp"

namespace initcheck::sweep::detail {

/// A cell's results line without its digest: the canonical encoding the digest is computed over.
[[nodiscard]] std::string undigested_line(const SweepInfo& info, const CellResult& cell);

/// "sweep 'FILE', seed S, N cells, fingerprint F", for messages about mismatched sweeps.
[[nodiscard]] std::string describe_sweep(const SweepInfo& info);

}  // namespace initcheck::sweep::detail
