// NetworkConfig::validate and constant_widths.
#include <gtest/gtest.h>

#include "initcheck/core/error.hpp"
#include "initcheck/engine/network.hpp"
#include "test_support.hpp"

namespace initcheck::engine {
namespace {

model::NetworkConfig valid() {
  return testing::mlp_config(8, 2, 4, std::make_shared<testing::GaussianScheme>(2.0));
}

void expect_error(const model::NetworkConfig& c, const std::string& fragment) {
  try {
    c.validate();
    ADD_FAILURE() << "expected InputError containing '" << fragment << "'";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(EngineConfig, ConstantWidths) {
  EXPECT_EQ(model::constant_widths(5, 3), (std::vector<std::int64_t>{5, 5, 5, 5}));
  EXPECT_THROW((void)model::constant_widths(0, 3), InputError);
  EXPECT_THROW((void)model::constant_widths(5, 0), InputError);
}

TEST(EngineConfig, ValidateNamesTheProblem) {
  EXPECT_NO_THROW(valid().validate());
  model::NetworkConfig c = valid();
  c.widths = {8};
  expect_error(c, "depth");
  c = valid();
  c.widths[1] = 0;
  expect_error(c, "n1");
  c = valid();
  c.init = nullptr;
  expect_error(c, "init");
  c = valid();
  c.batch = 0;
  expect_error(c, "batch");
  c = valid();
  c.arch = model::Architecture::resnet;
  c.widths = {8, 8, 4};
  expect_error(c, "resnet widths");
  c = valid();
  c.arch = model::Architecture::conv;
  c.groups = 3;
  expect_error(c, "groups");
  c = valid();
  c.arch = model::Architecture::conv;
  c.spatial = 2;
  c.kernel = 5;
  c.padding = 0;
  expect_error(c, "empty output");
  c = valid();
  c.input = model::InputKind::unnormalized;
  c.input_scale_range = 0.5;
  expect_error(c, "scale range");
  c = valid();
  c.bn_eps = -1;
  expect_error(c, "epsilon");
  EXPECT_THROW(Network(c, TraceOptions{}, rng::Engine(1)), InputError);
}

TEST(EngineConfig, ShapesAndLayerCounts) {
  model::NetworkConfig c = valid();
  c.arch = model::Architecture::conv;
  c.widths = {3, 4, 6};
  c.stride = 2;
  c.spatial = 9;  // 9 → 5 → 3 with k = 3, "same" padding 1
  const Network conv(c, TraceOptions{}, rng::Engine(1));
  EXPECT_EQ(conv.num_layers(), 2);
  EXPECT_EQ(conv.input_rows(), 3);
  EXPECT_EQ(conv.input_cols(), 4 * 81);
  EXPECT_EQ(conv.output_rows(), 6);
  EXPECT_EQ(conv.output_cols(), 4 * 9);
  EXPECT_EQ(conv.weights(1).cols(), 4 * 9);
  c = valid();
  c.arch = model::Architecture::resnet;
  c.block_layers = 3;
  const Network res(c, TraceOptions{}, rng::Engine(1));
  EXPECT_EQ(res.num_layers(), 6);
  EXPECT_EQ(res.output_rows(), 8);
}

}  // namespace
}  // namespace initcheck::engine
