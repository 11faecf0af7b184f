// Given weights (NetworkConfig::given_weights, `check --weights`): run_replicates loads file r's
// weights for replicate r. Files holding exactly the engine's own draws must reproduce the
// drawn replicates bit for bit, for any thread count and any first replicate.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "initcheck/engine/replicates.hpp"
#include "initcheck/model/given_weights_scheme.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/model/weight_files.hpp"
#include "scheme_weight_files.hpp"
#include "test_support.hpp"

namespace initcheck::engine {
namespace {

/// The configuration with its weights read from the files in `dir`.
model::NetworkConfig with_given_weights(model::NetworkConfig c, const std::string& dir) {
  c.given_weights = model::WeightFiles::open(dir);
  c.init = std::make_shared<model::GivenWeightsScheme>(c.given_weights);
  return c;
}

void expect_same_traces(const std::vector<Trace>& a, const std::vector<Trace>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t r = 0; r < a.size(); ++r) {
    ASSERT_EQ(a[r].layers.size(), b[r].layers.size());
    EXPECT_EQ(a[r].output.second_moment, b[r].output.second_moment) << "replicate " << r;
    EXPECT_EQ(a[r].output.mean, b[r].output.mean) << "replicate " << r;
    for (std::size_t l = 0; l < a[r].layers.size(); ++l) {
      EXPECT_EQ(a[r].layers[l].pre.second_moment, b[r].layers[l].pre.second_moment);
      EXPECT_EQ(a[r].layers[l].grad_weight_sq, b[r].layers[l].grad_weight_sq);
    }
  }
}

class GivenWeights : public ::testing::TestWithParam<model::Architecture> {};

TEST_P(GivenWeights, FilesOfTheEnginesDrawsReproduceTheDrawnReplicates) {
  model::NetworkConfig drawn = testing::mlp_config(
      12, 7, 6, std::make_shared<testing::TorchUniformScheme>(/*bias=*/true), "tanh");
  if (GetParam() == model::Architecture::conv) {
    drawn.arch = model::Architecture::conv;
    drawn.widths = {3, 5, 4, 6};
    drawn.spatial = 5;
    drawn.batch = 2;
  }
  const std::string dir = ::testing::TempDir() + "/initcheck_given_weights_" +
                          std::to_string(getpid()) + "_" +
                          (GetParam() == model::Architecture::conv ? "conv" : "mlp");
  testing::write_scheme_weight_files(drawn, 7, 4, dir);
  const model::NetworkConfig given = with_given_weights(drawn, dir);
  TraceOptions o;
  o.backward = true;
  expect_same_traces(run_replicates(given, o, 7, 4, 2), run_replicates(drawn, o, 7, 4, 1));
  expect_same_traces(run_replicates(given, o, 7, 2, 2, 1), run_replicates(drawn, o, 7, 2, 2, 2));
  // The theory's laws are the pooled ones: U(±1/√fan_in) has variance 1/(3·fan_in). Layer 1
  // pools 4 files × 144 (mlp) or 180 (conv) entries: the ratio's standard error is
  // √((1.8 − 1)/576) ≈ 0.037 at most, so 0.35 is ≥ 9 standard errors (and the seed is fixed);
  // the exact pooled value is weight_files_test's.
  const init::WeightLaw law = given.init->weight_law(model::layer_fan(given, 1));
  EXPECT_NEAR(law.variance * 3.0 * static_cast<double>(model::layer_fan(given, 1).fan_in()), 1.0,
              0.35);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Archs, GivenWeights,
                         ::testing::Values(model::Architecture::mlp, model::Architecture::conv));

TEST(GivenWeightsRuns, MoreReplicatesThanFilesIsRefused) {
  const model::NetworkConfig drawn =
      testing::mlp_config(4, 2, 2, std::make_shared<testing::GaussianScheme>(2.0));
  const std::string dir =
      ::testing::TempDir() + "/initcheck_given_weights_few_" + std::to_string(getpid());
  testing::write_scheme_weight_files(drawn, 1, 2, dir);
  EXPECT_THROW((void)run_replicates(with_given_weights(drawn, dir), TraceOptions{}, 1, 3, 1),
               std::out_of_range);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace initcheck::engine
