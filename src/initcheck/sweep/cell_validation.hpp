#pragma once
/// Finds the sweep cells that cannot be checked before any of them runs, so a bad sweep fails
/// in seconds (or, with `report --allow-invalid`, skips exactly those cells).

#include <cstddef>
#include <string>

#include "initcheck/sweep/sweep_spec.hpp"

namespace initcheck::sweep {

/// Sets SweepCell::invalid on every cell whose configuration or options are invalid, that lists
/// a claim that does not apply to it, or that repeats an earlier cell's request. Runs nothing
/// (parses and validates only). Returns the number of invalid cells.
std::size_t mark_invalid_cells(SweepSpec& spec);

/// One line for an invalid cell: "FILE:LINE: cell N (block B: depth=0): PROBLEM", where N is
/// 1-based and LINE is the block's line.
std::string invalid_cell_message(const SweepSpec& spec, std::size_t index);

}  // namespace initcheck::sweep
