#include "initcheck/report/verdict_matrix.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "synthetic_results.hpp"

namespace initcheck::report {
namespace {

using testing::synthetic_results;

TEST(VerdictMatrix, HasOneColumnPerSchemeAndOneRowPerConfiguration) {
  const VerdictMatrix m = verdict_matrix(synthetic_results());
  EXPECT_EQ(m.schemes,
            (std::vector<std::string>{"kaiming_normal", "xavier_normal", "normal(std=0.01)",
                                      "bogus|scheme", "normal(std=1)"}));
  EXPECT_EQ(m.configurations, (std::vector<std::string>{"relu, mlp 4×64", "tanh, mlp 4×64, fp16",
                                                        "relu, mlp 8×16, batch 32, K 3",
                                                        "relu, mlp 4×64, batchnorm"}));
  ASSERT_EQ(m.marks.size(), 4U);
  // Row "relu, mlp 4×64": cells 0 (kaiming, violated), 1 (xavier, violated), 3 (invalid).
  EXPECT_EQ(m.marks[0][0], Mark::violated);
  EXPECT_EQ(m.marks[0][1], Mark::violated);
  EXPECT_EQ(m.marks[0][2], std::nullopt);
  EXPECT_EQ(m.marks[0][3], Mark::invalid);
  EXPECT_EQ(m.marks[1][2], Mark::violated);
  EXPECT_EQ(m.marks[2][0], Mark::inconclusive);
  EXPECT_EQ(m.marks[3][4], Mark::inconclusive);
}

TEST(VerdictMatrix, CellsSharingAnEntryShowTheWorstMark) {
  sweep::SweepResults r = synthetic_results();
  r.cells.resize(2);
  r.cells[1].request.init = "kaiming_normal";  // same scheme and configuration as cell 0
  r.cells[0].result.overall = stats::Verdict::holds;
  r.cells[1].result.overall = stats::Verdict::violated;
  const VerdictMatrix m = verdict_matrix(r);
  ASSERT_EQ(m.schemes.size(), 1U);
  ASSERT_EQ(m.configurations.size(), 1U);
  EXPECT_EQ(m.marks[0][0], Mark::violated);
}

TEST(VerdictMatrix, WritesLegendAndLetteredColumns) {
  std::ostringstream out;
  write_verdict_matrix(out, verdict_matrix(synthetic_results()));
  const std::string text = out.str();
  EXPECT_NE(text.find("✅ every checked claim holds"), std::string::npos);
  EXPECT_NE(text.find("**A** `kaiming_normal`, **B** `xavier_normal`"), std::string::npos);
  EXPECT_NE(text.find("| configuration | A | B | C | D | E |"), std::string::npos);
  EXPECT_NE(text.find("|---|:-:|:-:|:-:|:-:|:-:|"), std::string::npos);
  EXPECT_NE(text.find("| relu, mlp 4×64 | ❌ | ❌ |   | ⛔ |   |"), std::string::npos);
}

}  // namespace
}  // namespace initcheck::report
