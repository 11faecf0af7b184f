#include "initcheck/model/layer_fan.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace initcheck::model {
namespace {

NetworkConfig config(Architecture arch, std::vector<std::int64_t> widths) {
  NetworkConfig c;
  c.arch = arch;
  c.widths = std::move(widths);
  return c;
}

TEST(LayerFan, MlpUsesNeighbouringWidths) {
  const NetworkConfig c = config(Architecture::mlp, {8, 16, 4});
  EXPECT_EQ(weight_layer_count(c), 2);
  const FanInfo f = layer_fan(c, 1);
  EXPECT_EQ(f.fan_in(), 16);
  EXPECT_EQ(f.fan_out(), 4);
  EXPECT_EQ(f.layer, 1);
  EXPECT_EQ(f.depth, 2);
}

TEST(LayerFan, ConvMultipliesByTheKernelAreaAndDividesByGroups) {
  NetworkConfig c = config(Architecture::conv, {8, 16, 16});
  c.kernel = 3;
  c.groups = 2;
  const FanInfo f = layer_fan(c, 0);
  EXPECT_EQ(f.fan_in(), 8 / 2 * 9);
  EXPECT_EQ(f.fan_out(), 16 * 9);
}

// Four weight layers per block: W_qkv (d → 3d), W_o (d → d), W_1 (d → r·d), W_2 (r·d → d).
TEST(LayerFan, TransformerHasFourLayersPerBlock) {
  NetworkConfig c = config(Architecture::transformer, {32, 32, 32});
  c.mlp_ratio = 2.5;
  EXPECT_EQ(weight_layer_count(c), 8);
  const std::int64_t expected[4][2] = {{32, 96}, {32, 32}, {32, 80}, {80, 32}};
  for (int l = 0; l < 8; ++l) {
    const FanInfo f = layer_fan(c, l);
    EXPECT_EQ(f.fan_in(), expected[l % 4][0]) << l;
    EXPECT_EQ(f.fan_out(), expected[l % 4][1]) << l;
    EXPECT_EQ(f.layer, l);
    EXPECT_EQ(f.depth, 8);
  }
}

TEST(LayerFan, ResnetNumbersBranchLayersThroughTheBlocks) {
  NetworkConfig c = config(Architecture::resnet, {32, 32, 32, 32});
  c.block_layers = 2;
  EXPECT_EQ(weight_layer_count(c), 6);
  const FanInfo f = layer_fan(c, 5);
  EXPECT_EQ(f.fan_in(), 32);
  EXPECT_EQ(f.layer, 5);
  EXPECT_EQ(f.depth, 6);
  EXPECT_THROW((void)layer_fan(c, 6), std::out_of_range);
  EXPECT_THROW((void)layer_fan(c, -1), std::out_of_range);
}

}  // namespace
}  // namespace initcheck::model
