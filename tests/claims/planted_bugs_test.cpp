// The planted-bug catalogue (docs/statistics.md "power is shown, not assumed"): each entry is a
// scheme or configuration with a known mistake, and the claim that must flag it as violated.
// A wrong "holds"/"inconclusive" here is a power failure; each configuration is checked at the
// family level α = 1e-9 (testing::kTestAlpha) with a fixed seed (deterministic).

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "check_helpers.hpp"
#include "initcheck/init/weight_laws.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/rng/distributions.hpp"
#include "planted_catalogue.hpp"

namespace initcheck::claims {
namespace {

using testing::claim;
using testing::mlp;
using testing::planted_bugs;
using testing::PlantedBug;
using testing::run_check;

class PlantedBugTest : public ::testing::TestWithParam<PlantedBug> {};

TEST_P(PlantedBugTest, IsFlagged) {
  const PlantedBug& bug = GetParam();
  const CheckResult res = run_check(bug.request, bug.replicates);
  const ClaimResult& c = claim(res, bug.flagged_by);
  EXPECT_EQ(c.verdict, stats::Verdict::violated)
      << bug.name << ": " << claim_name(c.id) << " measured " << c.measured << " CI [" << c.ci.lower
      << ", " << c.ci.upper << "] band [" << c.band.lo << ", " << c.band.hi << "]";
  EXPECT_FALSE(c.advice.empty());
  EXPECT_GT(c.severity, 0.0);
}

INSTANTIATE_TEST_SUITE_P(Catalogue, PlantedBugTest, ::testing::ValuesIn(planted_bugs()),
                         [](const ::testing::TestParamInfo<PlantedBug>& p) {
                           return p.param.name;
                         });

/// A user scheme that declares the JAX-corrected truncated normal law (Var = 2/fan_in) but
/// forgets the 0.8796 correction when sampling: only `growth`'s exact χ² linear-step test can
/// see a declared-vs-sampled mismatch.
class DeclaresCorrectedButSamplesUncorrected : public init::InitScheme {
 public:
  [[nodiscard]] std::string name() const override { return "buggy_truncated"; }
  [[nodiscard]] std::string formula() const override { return "Var = 2/fan_in (claimed)"; }
  [[nodiscard]] init::WeightLaw weight_law(const FanInfo& fan) const override {
    init::WeightLaw law = init::truncated_normal_law(
        std::sqrt(2.0 / static_cast<double>(fan.fan_in())) / init::kTruncatedNormalStd2, 2.0);
    return law;
  }
  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> w,
                    rng::Engine& e) const override {
    // Bug: no division by kTruncatedNormalStd2. Filled row by row (w is column-major).
    Eigen::MatrixXf tmp(w.cols(), w.rows());
    rng::fill_truncated_normal(e,
                               std::span<float>(tmp.data(), static_cast<std::size_t>(tmp.size())),
                               std::sqrt(2.0 / static_cast<double>(fan.fan_in())), 2.0);
    w = tmp.transpose();
  }
};

TEST(PlantedBugs, DeclaredLawDiffersFromSampledLaw) {
  model::NetworkConfig config = make_network_config(mlp("kaiming_normal", "relu", 12, 128));
  config.init = std::make_shared<DeclaresCorrectedButSamplesUncorrected>();
  CheckOptions options;
  options.alpha = testing::kTestAlpha;
  options.seed = 3;
  options.threads = 2;
  options.claims = {ClaimId::growth};
  const ClaimResult g =
      check_configuration(config, options).claims[static_cast<std::size_t>(ClaimId::growth)];
  EXPECT_EQ(g.verdict, stats::Verdict::violated)
      << g.measured << " [" << g.ci.lower << ", " << g.ci.upper << "]";
}

}  // namespace
}  // namespace initcheck::claims
