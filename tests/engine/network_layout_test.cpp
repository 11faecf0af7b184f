// The engine-private NetworkLayout: tensor shapes, fans, batch slices, and an arena plan in
// which no two tensors that are live at the same time share memory.
#include "initcheck/engine/detail/network_layout.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "initcheck/model/layer_fan.hpp"
#include "test_support.hpp"

namespace initcheck::engine::detail {
namespace {

using Eigen::Index;

Index size(const Slot& s) {
  return s.rows * s.cols;
}

bool overlap(const Slot& a, const Slot& b) {
  if (size(a) == 0 || size(b) == 0) return false;
  return a.offset < b.offset + size(b) && b.offset < a.offset + size(a);
}

/// Every slot lies in the arena and starts on a 64-byte boundary.
void expect_in_arena(const std::vector<Slot>& slots, Index arena_floats, const std::string& what) {
  for (const Slot& s : slots) {
    EXPECT_EQ(s.offset % kArenaAlign, 0) << what;
    EXPECT_GE(s.offset, 0) << what;
    EXPECT_LE(s.offset + size(s), arena_floats) << what;
  }
}

void expect_disjoint(const std::vector<Slot>& slots, const std::string& what) {
  for (std::size_t i = 0; i < slots.size(); ++i) {
    for (std::size_t j = i + 1; j < slots.size(); ++j) {
      EXPECT_FALSE(overlap(slots[i], slots[j])) << what << ": slots " << i << " and " << j;
    }
  }
}

/// The tensors layer l reads or writes: its input, z, y and (when it is a separate tensor) h.
std::vector<Slot> live_slots(const NetworkLayout& lay, int l) {
  const LayerLayout& li = lay.layers[static_cast<std::size_t>(l)];
  std::vector<Slot> live = {li.in, li.z};
  if (lay.has_norm) live.push_back(li.y);
  if (li.activated) live.push_back(li.h);
  return live;
}

model::NetworkConfig conv_config() {
  model::NetworkConfig c =
      testing::mlp_config(4, 3, 5, std::make_shared<testing::GaussianScheme>(2.0));
  c.arch = model::Architecture::conv;
  c.widths = {3, 8, 8, 4};
  c.spatial = 9;
  c.stride = 2;
  c.groups = 1;
  return c;
}

std::vector<model::NetworkConfig> configs() {
  const auto scheme = std::make_shared<testing::GaussianScheme>(2.0);
  std::vector<model::NetworkConfig> out;
  out.push_back(testing::mlp_config(24, 4, 10, scheme));
  model::NetworkConfig uneven = testing::mlp_config(8, 3, 7, scheme);
  uneven.widths = {8, 32, 5, 16};
  uneven.norm = model::Norm::layernorm;
  out.push_back(uneven);
  model::NetworkConfig one = testing::mlp_config(6, 2, 1, scheme);
  one.norm = model::Norm::batchnorm;
  out.push_back(one);
  out.push_back(conv_config());
  model::NetworkConfig resnet = testing::mlp_config(16, 3, 6, scheme);
  resnet.arch = model::Architecture::resnet;
  resnet.block_layers = 2;
  out.push_back(resnet);
  model::NetworkConfig linear_branch = resnet;
  linear_branch.block_layers = 1;
  linear_branch.norm = model::Norm::batchnorm;
  out.push_back(linear_branch);
  return out;
}

TEST(NetworkLayout, ShapesFansAndSlices) {
  for (const bool backward : {false, true}) {
    for (const model::NetworkConfig& c : configs()) {
      TraceOptions o;
      o.backward = backward;
      const NetworkLayout lay(c, o);
      const std::string what = std::to_string(static_cast<int>(c.arch)) + " backward " +
                               std::to_string(static_cast<int>(backward));
      ASSERT_EQ(lay.num_layers, model::weight_layer_count(c)) << what;
      EXPECT_EQ(lay.slices, std::min<Index>(c.batch, kSlices)) << what;
      EXPECT_EQ(lay.slice_begin[0], 0) << what;
      EXPECT_EQ(lay.slice_begin[lay.slices], c.batch) << what;
      const Index pixels = lay.is_conv ? static_cast<Index>(c.spatial) * c.spatial : 1;
      EXPECT_EQ(lay.x0.rows, c.widths[0]) << what;
      EXPECT_EQ(lay.x0.cols, c.batch * pixels) << what;
      EXPECT_EQ(lay.acc_rows.at(0), c.widths[0]) << what;
      for (int l = 0; l < lay.num_layers; ++l) {
        const LayerLayout& li = lay.layers[static_cast<std::size_t>(l)];
        const FanInfo fan = model::layer_fan(c, l);
        EXPECT_EQ(li.fan.rows(), fan.rows()) << what << " layer " << l;
        EXPECT_EQ(li.fan.cols(), fan.cols()) << what << " layer " << l;
        EXPECT_EQ(li.fan_in, fan.fan_in()) << what << " layer " << l;
        for (const Slot* s : {&li.z, &li.h}) {
          EXPECT_EQ(s->rows, li.out_units) << what << " layer " << l;
          EXPECT_EQ(s->cols, c.batch * li.out_hw) << what << " layer " << l;
        }
        EXPECT_EQ(li.in.cols, c.batch * li.in_hw) << what << " layer " << l;
        EXPECT_EQ(lay.acc_rows.at(static_cast<std::size_t>(li.pre_acc)), li.out_units) << what;
        EXPECT_EQ(lay.acc_rows.at(static_cast<std::size_t>(li.in_acc)), li.in_units) << what;
      }
      EXPECT_EQ(lay.output().rows * lay.output().cols, size(lay.layers.back().h)) << what;
    }
  }
}

TEST(NetworkLayout, ConvShapesFollowStride) {
  const NetworkLayout lay(conv_config(), TraceOptions{});
  // 9×9 input, kernel 3, same padding, stride 2: 5×5, then 3×3, then 2×2.
  EXPECT_EQ(lay.layers[0].in_hw, 81);
  EXPECT_EQ(lay.layers[0].out_hw, 25);
  EXPECT_EQ(lay.layers[1].out_hw, 9);
  EXPECT_EQ(lay.layers[2].out_hw, 4);
  EXPECT_EQ(lay.layers[1].fan_in, 8 * 3 * 3);
  EXPECT_EQ(lay.layers[1].conv_slice[0].batch + lay.layers[1].conv_slice[1].batch, 5);
  EXPECT_GT(lay.slice_workspace[0], 0);
  EXPECT_GT(lay.workspace, 0);
}

TEST(NetworkLayout, NoLiveSlotsOverlap) {
  for (const bool backward : {false, true}) {
    for (const model::NetworkConfig& c : configs()) {
      TraceOptions o;
      o.backward = backward;
      const NetworkLayout lay(c, o);
      const std::string what = std::to_string(static_cast<int>(c.arch)) + " backward " +
                               std::to_string(static_cast<int>(backward));
      std::vector<Slot> all = {lay.x0};
      for (int l = 0; l < lay.num_layers; ++l) {
        const std::vector<Slot> live = live_slots(lay, l);
        expect_disjoint(live, what + " layer " + std::to_string(l));
        const LayerLayout& li = lay.layers[static_cast<std::size_t>(l)];
        if (li.last_in_block) {  // x_{b+1} = x_b + α·h (x_b and x_{b+1} may be one tensor)
          for (int b : {li.block, li.block + 1}) {
            EXPECT_FALSE(overlap(li.h, lay.streams[static_cast<std::size_t>(b)])) << what;
          }
        }
        all.insert(all.end(), {li.z, li.y, li.h});
        if (!li.activated) {  // h is y (or z) itself
          EXPECT_EQ(li.h.offset, (lay.has_norm ? li.y : li.z).offset) << what;
        }
      }
      expect_in_arena(all, lay.arena_floats, what);
      if (!backward) continue;
      // The backward pass reads every stored tensor: all of them are kept apart.
      all = {lay.x0};
      for (const LayerLayout& li : lay.layers) {
        all.push_back(li.z);
        if (lay.has_norm) all.push_back(li.y);
        if (li.activated) all.push_back(li.h);
      }
      if (lay.is_resnet) all.insert(all.end(), lay.streams.begin() + 1, lay.streams.end());
      expect_disjoint(all, what + " kept tensors");
      std::vector<Slot> grads = lay.grad_out;
      grads.insert(grads.end(), {lay.grad_x0, lay.grad_y, lay.grad_z, lay.grad_tmp});
      expect_disjoint(grads, what + " gradients");
      expect_in_arena(grads, lay.grad_arena_floats, what + " gradients");
    }
  }
}

/// Floats of `slot` that hold slice s's columns (`hw` columns per sample).
Slot slice_part(const NetworkLayout& lay, const Slot& slot, Index hw, int s) {
  const Index first = lay.slice_begin[s] * hw;
  const Index cols = (lay.slice_begin[s + 1] - lay.slice_begin[s]) * hw;
  return {slot.offset + first * slot.rows, slot.rows, cols};
}

// Slices that run through the layers on their own (two threads) never write or read a float
// that the other slice uses in any layer; uneven layers sharing buffers make them meet instead.
TEST(NetworkLayout, IndependentSlicesNeverShareAFloat) {
  std::vector<model::NetworkConfig> cases = configs();
  model::NetworkConfig strided = conv_config();  // every layer smaller than the one before
  model::NetworkConfig growing = conv_config();  // channels grow
  growing.stride = 1;
  growing.widths = {3, 4, 16, 32};
  cases.push_back(strided);
  cases.push_back(growing);
  int independent = 0;
  int dependent = 0;
  for (const bool backward : {false, true}) {
    for (const model::NetworkConfig& c : cases) {
      TraceOptions o;
      o.backward = backward;
      const NetworkLayout lay(c, o);
      bool uniform = true;
      for (const LayerLayout& li : lay.layers) {
        uniform = uniform && size(li.z) == size(lay.layers.front().z);
      }
      EXPECT_EQ(lay.slices_independent, backward || uniform);
      if (!lay.slices_independent || lay.slices < 2) {
        dependent += lay.slices_independent ? 0 : 1;
        continue;
      }
      ++independent;
      std::vector<Slot> parts[kSlices];
      for (int s = 0; s < lay.slices; ++s) {
        parts[s].push_back(slice_part(lay, lay.x0, lay.layers.front().in_hw, s));
        for (const LayerLayout& li : lay.layers) {
          for (const Slot* t : {&li.z, &li.y, &li.h}) {
            parts[s].push_back(slice_part(lay, *t, li.out_hw, s));
          }
        }
      }
      for (const Slot& a : parts[0]) {
        for (const Slot& b : parts[1]) EXPECT_FALSE(overlap(a, b));
      }
    }
  }
  EXPECT_GT(independent, 0);
  EXPECT_GE(dependent, 3);  // uneven mlp, strided and growing conv without backward
}

TEST(NetworkLayout, ForwardOnlyArenaDoesNotGrowWithDepth) {
  const auto scheme = std::make_shared<testing::GaussianScheme>(2.0);
  TraceOptions forward_only;
  forward_only.backward = false;
  const NetworkLayout shallow(testing::mlp_config(32, 2, 8, scheme), forward_only);
  const NetworkLayout deep(testing::mlp_config(32, 50, 8, scheme), forward_only);
  EXPECT_EQ(shallow.arena_floats, deep.arena_floats);
  EXPECT_EQ(deep.grad_arena_floats, 0);
  const NetworkLayout kept(testing::mlp_config(32, 50, 8, scheme), TraceOptions{});
  EXPECT_GE(kept.arena_floats, 50 * 2 * 32 * 8);  // z and h of every layer
}

}  // namespace
}  // namespace initcheck::engine::detail
