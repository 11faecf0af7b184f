#pragma once
/// The scheme × configuration verdict matrix at the top of the report: one row per
/// configuration (everything but the init scheme), one column per init scheme, one mark per cell.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "initcheck/sweep/sweep_results.hpp"

namespace initcheck::report {

/// A cell's verdict over the claims it checked.
enum class Mark { holds, inconclusive, violated, invalid };

struct VerdictMatrix {
  std::vector<std::string> schemes;         ///< init specs, in sweep order (the columns)
  std::vector<std::string> configurations;  ///< describe_configuration(), in sweep order (rows)
  /// marks[row][column]; nullopt: the sweep has no such cell. Several cells with one row and
  /// column (e.g. different claim lists) get the worst mark (violated > inconclusive > holds >
  /// invalid).
  std::vector<std::vector<std::optional<Mark>>> marks;
};

VerdictMatrix verdict_matrix(const sweep::SweepResults& results);

/// The emoji of a mark: ✅ holds, ❔ inconclusive, ❌ violated, ⛔ could not be built.
std::string_view mark_symbol(Mark mark);

/// Writes the legend line (marks and the letter of each scheme column) and the GFM table.
/// Schemes are columns labelled A, B, … so the table stays narrow whatever their specs.
void write_verdict_matrix(std::ostream& out, const VerdictMatrix& matrix);

}  // namespace initcheck::report
