#include "initcheck/report/violation_causes.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "synthetic_results.hpp"

namespace initcheck::report {
namespace {

using claims::ClaimId;
using stats::Verdict;
using testing::cell;
using testing::claim;

TEST(ViolationCauses, RecognizesFixedScaleInits) {
  EXPECT_TRUE(fixed_scale_init("normal(std=1)"));
  EXPECT_TRUE(fixed_scale_init("normal(std=0.01)"));
  EXPECT_TRUE(fixed_scale_init("normal(std=1e-3, mean=0)"));
  EXPECT_TRUE(fixed_scale_init("uniform(bound=0.05)"));
  EXPECT_TRUE(fixed_scale_init("zeros"));
  EXPECT_FALSE(fixed_scale_init("normal(std=exact_gain/sqrt(fan_in))"));
  EXPECT_FALSE(fixed_scale_init("normal(std=1/sqrt(fan_in))"));
  EXPECT_FALSE(fixed_scale_init("kaiming_normal"));
  EXPECT_FALSE(fixed_scale_init("kaiming_normal(a=0.2)"));
}

sweep::CellResult violating(std::size_t index, const std::string& init,
                            const std::string& activation, ClaimId id, double severity) {
  sweep::CellResult c = cell(index, init, activation, 50, 256);
  c.result.claims = {claim(id, Verdict::violated, 1e-9, 0.25, 4.0, severity)};
  c.result.overall = Verdict::violated;
  return c;
}

TEST(ViolationCauses, CollapsesTrivialScaleErrorsIntoOneGroupListedLast) {
  sweep::SweepResults r;
  r.cells = {violating(0, "normal(std=1)", "relu", ClaimId::variance, 300),
             violating(1, "normal(std=0.01)", "tanh", ClaimId::variance, 80),
             violating(2, "normal(std=0.01)", "relu", ClaimId::precision, 3),
             violating(3, "xavier_normal", "relu", ClaimId::variance, 7),
             violating(4, "xavier_normal", "gelu", ClaimId::variance, 9),
             violating(5, "torch_default", "relu", ClaimId::gradient, 12)};
  sweep::CellResult bn = violating(6, "normal(std=1)", "relu", ClaimId::gradient, 2);
  bn.request.norm = "batchnorm";  // BatchNorm's gradient growth is not a scale error
  r.cells.push_back(bn);
  const std::vector<ViolationCause> causes = group_violations(r);
  ASSERT_EQ(causes.size(), 4U);
  EXPECT_EQ(causes[0].inits, std::vector<std::string>{"torch_default"});  // severity 12
  EXPECT_EQ(causes[1].inits, std::vector<std::string>{"xavier_normal"});
  EXPECT_EQ(causes[1].cells.size(), 2U);  // relu and gelu: one cause
  EXPECT_EQ(causes[2].inits, std::vector<std::string>{"normal(std=1)"});
  EXPECT_EQ(causes[2].network, "mlp, batchnorm");
  const ViolationCause& fixed = causes[3];
  EXPECT_TRUE(fixed.fixed_scale);
  EXPECT_EQ(fixed.inits, (std::vector<std::string>{"normal(std=1)", "normal(std=0.01)"}));
  EXPECT_EQ(fixed.violations, 3U);
  EXPECT_EQ(fixed.cells.size(), 3U);
  EXPECT_EQ(fixed.claims, (std::set<ClaimId>{ClaimId::variance, ClaimId::precision}));

  std::ostringstream out;
  write_violation_causes(out, causes);
  const std::string text = out.str();
  EXPECT_NE(text.find("- **Fixed-scale inits** `normal(std=1)`, `normal(std=0.01)`: 3 violations "
                      "(variance, precision) in 3 configurations."),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("- **variance** · `xavier_normal` · mlp: 2 configurations (relu, gelu)"),
            std::string::npos)
      << text;
  std::size_t lines = 0;
  for (char ch : text) lines += ch == '\n' ? 1 : 0;
  EXPECT_EQ(lines, causes.size());  // one line per cause
}

}  // namespace
}  // namespace initcheck::report
