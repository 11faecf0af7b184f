// The planted-bug catalogue (DESIGN.md §2 "power is shown, not assumed"): each entry is a
// scheme or configuration with a known mistake, and the claim that must flag it as violated.
// A wrong "holds"/"inconclusive" here is a power failure; each configuration is checked at the
// family level α = 1e-9 (testing::kTestAlpha) with a fixed seed (deterministic).

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>

#include "check_helpers.hpp"
#include "initcheck/engine/network_config.hpp"
#include "initcheck/init/weight_laws.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::claims {
namespace {

using testing::claim;
using testing::mlp;
using testing::run_check;

struct PlantedBug {
  std::string name;
  CheckRequest request;
  ClaimId flagged_by;
  int replicates = 0;  ///< 0 = sample plan
};

void PrintTo(const PlantedBug& b, std::ostream* os) {
  *os << b.name;
}

CheckRequest with(CheckRequest r, std::string claims_csv) {
  r.claims.clear();
  std::size_t start = 0;
  while (start <= claims_csv.size()) {
    const std::size_t comma = std::min(claims_csv.find(',', start), claims_csv.size());
    r.claims.push_back(claims_csv.substr(start, comma - start));
    start = comma + 1;
  }
  return r;
}

std::vector<PlantedBug> catalogue() {
  std::vector<PlantedBug> bugs;
  // U(±√(2/fan_in)) instead of U(±√(6/fan_in)): Var is 1/3 of He's → ×1/3 per layer.
  bugs.push_back({"uniform_missing_sqrt3",
                  with(mlp("uniform(bound=sqrt(2/fan_in))", "relu", 6, 128), "variance"),
                  ClaimId::variance});
  // N(0, 2/fan_in) truncated at ±2σ without dividing by 0.8796: Var × 0.774 per layer.
  bugs.push_back({"truncated_normal_without_correction",
                  with(mlp("truncated_normal(sigma=sqrt(2/fan_in))", "relu", 12, 128), "variance"),
                  ClaimId::variance});
  bugs.push_back({"xavier_with_relu", with(mlp("xavier_normal", "relu", 10, 128), "variance"),
                  ClaimId::variance});
  bugs.push_back({"torch_default_a_sqrt5", with(mlp("torch_default", "relu", 5, 128), "variance"),
                  ClaimId::variance});
  {
    CheckRequest r = mlp("kaiming_normal(mode=fan_out)", "relu", 0, 0);
    r.widths = {1024, 512, 256, 128, 64};
    bugs.push_back({"fan_out_forward_on_shrinking_widths", with(r, "variance"), ClaimId::variance});
  }
  {
    CheckRequest r = mlp("normal(std=sqrt(2/in_units))", "relu", 3, 16);
    r.arch = "conv";
    r.spatial = 8;
    r.batch = 8;
    bugs.push_back({"conv_fan_without_receptive_field", with(r, "variance"), ClaimId::variance});
  }
  // leaky_relu(0.5) gain √(2/(1+a)) instead of √(2/(1+a²)): ×0.833 per layer.
  bugs.push_back({"leaky_relu_gain_a_not_a_squared",
                  with(mlp("normal(std=sqrt(2/(1+0.5))/sqrt(fan_in))", "leaky_relu(0.5)", 12, 128),
                       "variance"),
                  ClaimId::variance});
  // PyTorch's selu gain 3/4 with fan_in: Var(W) = 0.5625/fan_in instead of LeCun's 1/fan_in.
  bugs.push_back({"selu_gain_three_quarters",
                  with(mlp("kaiming_normal(nonlinearity=selu)", "selu", 30, 128), "variance"),
                  ClaimId::variance});
  {
    CheckRequest r = mlp("kaiming_normal", "relu", 10, 64);
    r.arch = "resnet";
    bugs.push_back({"unscaled_residual_branches", with(r, "variance"), ClaimId::variance});
  }
  // std 2 % too large per layer at depth 100: second moment ×1.0404 per layer → ×52.
  bugs.push_back({"gain_two_percent_large_depth_100",
                  with(mlp("normal(std=1.02*sqrt(2/fan_in))", "relu", 100, 256), "variance"),
                  ClaimId::variance, 48});
  {
    CheckRequest r = mlp("normal(std=0.01)", "relu", 8, 128);
    r.precision = "fp16";
    bugs.push_back({"normal_0_01_in_fp16_underflows", with(r, "precision"), ClaimId::precision});
  }
  {
    CheckRequest r = mlp("normal(std=1)", "relu", 8, 128);
    r.precision = "fp16";
    bugs.push_back({"normal_1_in_fp16_overflows", with(r, "precision"), ClaimId::precision});
  }
  return bugs;
}

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

INSTANTIATE_TEST_SUITE_P(Catalogue, PlantedBugTest, ::testing::ValuesIn(catalogue()),
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
  engine::NetworkConfig config = make_network_config(mlp("kaiming_normal", "relu", 12, 128));
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
