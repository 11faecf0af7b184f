#include "initcheck/sweep/cell_validation.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace initcheck::sweep {
namespace {

SweepSpec parse(const std::string& text) {
  std::istringstream in(text);
  return parse_sweep(in, "cells.yaml");
}

// Issue #13 item 5: each of these cells used to run as an error row (or, for an inapplicable
// claim, as "holds" with nothing checked) and the sweep exited 0. Now they are found up front.
constexpr const char* kMixed = R"yaml(defaults: {init: kaiming_normal, activation: relu, depth: 2}
blocks:
  - name: widths
    width: [0, 8]
  - init: [bogus, kaiming_normal]
    width: 8
    claims: [variance, nope]
  - {width: 8, tolerance: .nan}
  - {width: 8, batch: -8}
  - widths: [8]
  - {width: 8, claims: batchnorm}
  - {width: 8, norm: batchnorm, claims: batchnorm}
  - {width: 8, depth: [3, 2]}
  - {width: 8, kernel: 5}
  - {width: 8, branch_scale: "0.5"}
  - {width: 8, arch: conv, kernel: 5}
)yaml";

TEST(CellValidation, MarksEveryInvalidCellWithItsReason) {
  SweepSpec spec = parse(kMixed);
  ASSERT_EQ(spec.cells.size(), 14U);
  EXPECT_EQ(mark_invalid_cells(spec), 10U);
  EXPECT_EQ(spec.cells[0].invalid.rfind("--width must be in [1, ", 0), 0U) << spec.cells[0].invalid;
  EXPECT_EQ(spec.cells[1].invalid, "");
  EXPECT_EQ(spec.cells[2].invalid.rfind("unknown init scheme 'bogus'", 0), 0U);
  EXPECT_EQ(spec.cells[3].invalid.rfind("unknown claim 'nope'", 0), 0U);
  EXPECT_EQ(spec.cells[4].invalid.rfind("--tolerance must be a finite number", 0), 0U);
  EXPECT_EQ(spec.cells[5].invalid.rfind("--batch must be in [1, ", 0), 0U);
  EXPECT_EQ(spec.cells[6].invalid.rfind("--widths needs at least two entries", 0), 0U);
  EXPECT_EQ(spec.cells[7].invalid, "claim 'batchnorm' does not apply: needs --norm batchnorm");
  EXPECT_EQ(spec.cells[8].invalid, "");  // the same claim where it applies
  EXPECT_EQ(spec.cells[9].invalid, "");  // depth 3
  EXPECT_EQ(spec.cells[10].invalid, "the same configuration as cell 2 (line 3)");
  // Settings the architecture would ignore (item 8), as `check` refuses the flags.
  EXPECT_EQ(spec.cells[11].invalid, "'kernel' applies only to arch conv (got arch mlp)");
  EXPECT_EQ(spec.cells[12].invalid,
            "'branch_scale' applies only to arch resnet or transformer (got arch mlp)");
  EXPECT_EQ(spec.cells[13].invalid, "");
}

TEST(CellValidation, MessagesAreOneLineWithFileLineCellAndValues) {
  SweepSpec spec = parse(kMixed);
  (void)mark_invalid_cells(spec);
  EXPECT_EQ(
      invalid_cell_message(spec, 0).rfind("cells.yaml:3: cell 1 (widths: width=0): --width", 0), 0U)
      << invalid_cell_message(spec, 0);
  EXPECT_EQ(invalid_cell_message(spec, 10),
            "cells.yaml:13: cell 11 (block 8: depth=2): the same configuration as cell 2 (line 3)");
  SweepSpec named = parse("blocks:\n  - {name: \"two\\nlines\", init: x, activation: relu}\n");
  ASSERT_EQ(mark_invalid_cells(named), 1U);
  EXPECT_EQ(invalid_cell_message(named, 0).find('\n'), std::string::npos);
}

TEST(CellValidation, ValidSweepHasNoInvalidCells) {
  SweepSpec spec = parse(
      "blocks:\n  - {init: [kaiming_normal, xavier_normal], activation: [relu, tanh], depth: 2, "
      "width: 8, precision: [bf16, fp16], claims: [variance, precision]}\n");
  EXPECT_EQ(mark_invalid_cells(spec), 0U);
  for (const SweepCell& c : spec.cells) EXPECT_TRUE(c.invalid.empty());
}

}  // namespace
}  // namespace initcheck::sweep
