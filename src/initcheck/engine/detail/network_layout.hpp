#pragma once
/// Internal: where every tensor of an engine::Network lives (shapes, arena slots, statistics
/// accumulators), worked out from the configuration alone, before anything is allocated.

#include <Eigen/Core>
#include <vector>

#include "initcheck/core/fan_info.hpp"
#include "initcheck/engine/trace_options.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/nn/layers.hpp"
#include "initcheck/nn/transformer_block.hpp"

namespace initcheck::engine::detail {

/// The batch is always processed as this many fixed sample slices (fewer if B is smaller), so
/// every float operation is the same whatever the thread count.
inline constexpr int kSlices = 2;
/// Arena offsets are multiples of this many floats (64 bytes).
inline constexpr Eigen::Index kArenaAlign = 16;

/// A tensor stored in an arena: rows × cols floats from `offset` (column-major).
struct Slot {
  Eigen::Index offset = 0;
  Eigen::Index rows = 0;
  Eigen::Index cols = 0;
};

/// One weight layer: z = W·in (+b), y = norm(z), h = φ(y).
struct LayerLayout {
  int block = -1;  ///< resnet: the residual block; −1 otherwise
  bool first_in_block = false;
  bool last_in_block = false;
  bool activated = true;  ///< false for the last layer of a resnet branch
  Eigen::Index in_units = 0;
  Eigen::Index out_units = 0;
  Eigen::Index fan_in = 0;
  Eigen::Index in_hw = 1;               ///< input pixels per sample
  Eigen::Index out_hw = 1;              ///< output pixels per sample
  nn::Conv2dShape conv;                 ///< conv: full batch (backward)
  nn::Conv2dShape conv_slice[kSlices];  ///< conv: per batch slice (forward)
  FanInfo fan;                          ///< model::layer_fan; W is fan.rows() × fan.cols()
  /// Arena slots: y only with a norm; h aliases y (or z) when !activated.
  Slot in, z, y, h;
  /// Accumulator ids of the input, z, y (−1 without a norm) and h.
  int in_acc = 0, pre_acc = 0, norm_acc = -1, post_acc = 0;
  /// Per-sample squared-norm destination of h: the consuming layer (or −1).
  int post_norms_to = -1;
};

/// Shapes and the arena plan of a Network. Forward arena: the input x0, then either every
/// layer's z, y, h and every residual stream (TraceOptions::backward keeps them for the backward
/// pass) or a few shared buffers of the largest layer (z, y, and two h used alternately; the
/// residual stream is updated in place in x0). Gradient arena (backward only): ∂L/∂h per layer,
/// ∂L/∂x0, and two scratch tensors ∂L/∂y, ∂L/∂z of the largest layer.
struct NetworkLayout {
  /// Validates `config` (InputError) and plans its network; allocates only the tables.
  NetworkLayout(const model::NetworkConfig& config, const TraceOptions& options);

  bool is_conv = false;
  bool is_resnet = false;
  bool is_transformer = false;  ///< planned by plan_transformer (transformer_layout.cpp)
  bool has_norm = false;        ///< a norm after every linear layer (config.layer_norm())
  /// resnet pre/post norm placement: the norm on the stream (config.stream_norm()).
  bool pre_norm = false;
  bool post_norm = false;
  Eigen::Index batch = 0;
  int slices = 1;
  Eigen::Index slice_begin[kSlices + 1] = {};  ///< slice s is samples [begin[s], begin[s+1])
  int num_layers = 0;
  int num_blocks = 0;  ///< resnet residual blocks or transformer blocks (0 otherwise)
  std::vector<LayerLayout> layers;
  /// True when each slice may run through all layers on its own: every tensor has its own slot
  /// (backward), or every layer output has the same size, so a slice's columns lie at the same
  /// place of a shared buffer in every layer. Otherwise the slices must meet after each layer.
  bool slices_independent = true;

  // Forward arena.
  Slot x0;                      ///< the input (and, without backward, the residual stream)
  std::vector<Slot> streams;    ///< resnet: x_0 … x_nb (x_0 = x0)
  std::vector<int> stream_acc;  ///< their accumulator ids
  /// Pre placement: block b's branch input N(x_b) (the first layer's `in`), per block.
  std::vector<Slot> branch_inputs;
  std::vector<int> branch_input_acc;
  /// Post placement: block b's sum x_b + α·F(x_b) before the norm (x_{b+1} = N(sum)).
  std::vector<Slot> sums;
  std::vector<int> sum_acc;
  Eigen::Index arena_floats = 0;
  /// Rows of each statistics accumulator, indexed by id (id 0 is the input).
  std::vector<Eigen::Index> acc_rows;
  /// Conv workspace floats of each forward slice (largest over layers; 0 for dense).
  Eigen::Index slice_workspace[kSlices] = {};

  // Gradient arena (empty without TraceOptions::backward).
  std::vector<Slot> grad_out;  ///< ∂L/∂h_l per layer
  Slot grad_x0;                ///< ∂L/∂x0 (resnet: also the running ∂L/∂x_b, grad_stream)
  Slot grad_y, grad_z;         ///< scratch, max layer size × 1 (viewed per layer)
  Slot grad_tmp;               ///< resnet: a branch's ∂L/∂x_b
  Slot grad_stream;            ///< resnet: = grad_x0
  Slot grad_stream_norm;       ///< pre/post placement: the gradient through the stream's norm
  Eigen::Index grad_arena_floats = 0;
  Eigen::Index workspace = 0;  ///< conv workspace floats of the full batch (backward)

  // Transformer (is_transformer): block b's stored tensors (nn::TransformerBlockTensors) are
  // tensor set b (with backward) or b % 2 (without: the blocks alternate between two sets), in
  // their own buffer; `streams` = {x0, output}, the output a copy of the last block's.
  nn::TransformerBlockShape block_shape;
  int block_tensor_sets = 0;
  Eigen::Index block_tensor_floats = 0;       ///< per set: TransformerBlockTensors::storage_size
  Eigen::Index block_forward_workspace = 0;   ///< per forward slice
  Eigen::Index block_backward_workspace = 0;  ///< with backward
  /// Accumulator id of block b's first stored tensor; tensor t (nn::BlockTensor) is id + t.
  std::vector<int> block_acc;

  [[nodiscard]] int num_acc() const { return static_cast<int>(acc_rows.size()); }
  /// The network output: the last layer's h, or the last residual stream.
  [[nodiscard]] const Slot& output() const {
    return is_resnet || is_transformer ? streams.back() : layers.back().h;
  }

 private:
  /// The plan of a transformer configuration (called by the constructor).
  void plan_transformer(const model::NetworkConfig& config, bool keep);
};

}  // namespace initcheck::engine::detail
