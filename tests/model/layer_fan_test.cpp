#include "initcheck/model/layer_fan.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

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

std::vector<LayerRole> roles(const NetworkConfig& c) {
  std::vector<LayerRole> out;
  for (int l = 0; l < weight_layer_count(c); ++l) {
    EXPECT_EQ(layer_fan(c, l).role, layer_role(c, l));
    out.push_back(layer_role(c, l));
  }
  return out;
}

TEST(LayerRole, MlpAndConvAreEmbedHiddenReadout) {
  using enum LayerRole;
  EXPECT_EQ(roles(config(Architecture::mlp, {8, 16, 16, 4})),
            (std::vector<LayerRole>{embed, hidden, readout}));
  EXPECT_EQ(roles(config(Architecture::conv, {3, 8, 8})), (std::vector<LayerRole>{embed, readout}));
  // A 1-layer network's only layer produces the output.
  EXPECT_EQ(roles(config(Architecture::mlp, {8, 4})), (std::vector<LayerRole>{readout}));
}

TEST(LayerRole, ResnetBranchesAreMlpInHiddenOut) {
  using enum LayerRole;
  NetworkConfig c = config(Architecture::resnet, {8, 8, 8});
  c.block_layers = 3;
  EXPECT_EQ(roles(c),
            (std::vector<LayerRole>{mlp_in, mlp_hidden, mlp_out, mlp_in, mlp_hidden, mlp_out}));
  c.block_layers = 1;  // the only branch layer writes into the stream
  EXPECT_EQ(roles(c), (std::vector<LayerRole>{mlp_out, mlp_out}));
}

TEST(LayerRole, NamesRoundTrip) {
  for (std::size_t i = 0; i < kLayerRoleNames.size(); ++i) {
    const auto role = static_cast<LayerRole>(i);
    EXPECT_EQ(parse_role(role_name(role)), role);
  }
  EXPECT_EQ(role_name(LayerRole::attn_out), "attn.out");
  EXPECT_FALSE(parse_role("mlp_out").has_value());
}

}  // namespace
}  // namespace initcheck::model
