#pragma once
/// The table of exact variance-preserving gains vs PyTorch's calculate_gain.

#include <limits>
#include <ostream>
#include <string>
#include <vector>

namespace initcheck::report {

/// One activation's gains. NaN marks a value that does not exist (e.g. PyTorch has no gain for
/// gelu) and is shown as "—".
struct GainRow {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  std::string activation;        ///< canonical activation name, e.g. `leaky_relu(0.2)`
  double second_moment = kNone;  ///< E[φ(Z)²], Z ~ N(0,1)
  double exact_gain = kNone;     ///< 1/√E[φ(Z)²]: q = 1 is a fixed point of the q-map
  double slope = kNone;          ///< q-map slope at q* = 1 with the exact gain (stable if < 1)
  double torch_gain = kNone;     ///< torch.nn.init.calculate_gain
  double torch_q_star = kNone;   ///< second moment the q-map settles at with PyTorch's gain
  double torch_slope = kNone;    ///< q-map slope there
};

/// One row per activation of README, "The command line" (leaky_relu at 0.01 and 0.2), from
/// theory::gain_report.
std::vector<GainRow> gain_rows();

/// Writes the Markdown table and a short explanation (or a note when `rows` is empty).
void write_gain_table(std::ostream& out, const std::vector<GainRow>& rows);

}  // namespace initcheck::report
