#pragma once
/// Internal: the state behind engine::Network and its passes. network.cpp builds it and draws
/// the weights, forward.cpp runs the forward pass over batch slices, forward_trace.cpp turns
/// the accumulated statistics into the Trace, backward.cpp runs the backward pass.

#include <Eigen/Core>
#include <vector>

#include "initcheck/engine/detail/network_layout.hpp"
#include "initcheck/engine/detail/slice_runner.hpp"
#include "initcheck/engine/detail/tensor_accumulator.hpp"
#include "initcheck/engine/trace.hpp"
#include "initcheck/engine/trace_options.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/nn/transformer_block.hpp"
#include "initcheck/precision/precision_events.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::engine::detail {

using MapF = Eigen::Map<Eigen::MatrixXf>;

/// Every buffer is allocated by the constructor (sized by `layout`); the passes only reuse them.
struct NetworkImpl {
  NetworkImpl(const model::NetworkConfig& config, const TraceOptions& options);

  model::NetworkConfig cfg;
  TraceOptions opts;
  NetworkLayout layout;
  /// BatchNorm or Gram: the slices meet after every layer (as they do when the layout says
  /// !slices_independent).
  bool sync_mode = false;

  // Parameters (per layer).
  std::vector<Eigen::MatrixXf> weights;
  std::vector<Eigen::VectorXf> biases;
  std::vector<precision::PrecisionEvents> weight_events;

  // Forward buffers.
  Eigen::VectorXf arena;                                 ///< layout.arena_floats
  std::vector<Eigen::VectorXf> norm_mean, norm_inv_std;  ///< saved normalization statistics
  /// Pre/post placement: the stream norm's saved per-sample statistics, per block.
  std::vector<Eigen::VectorXf> stream_norm_mean, stream_norm_inv_std;
  Eigen::VectorXf conv_ws[kSlices];
  Eigen::MatrixXf gram;  ///< TraceOptions::gram: B × B
  /// Transformer: the block tensor sets (layout.block_tensor_sets, views of block_storage) and
  /// each forward slice's workspace.
  Eigen::VectorXf block_storage;
  std::vector<nn::TransformerBlockTensors> block_tensors;
  Eigen::VectorXf block_ws[kSlices];

  // Statistics: per-slice accumulators and rounding events (by accumulator id), their merge.
  std::vector<TensorAccumulator> acc[kSlices];
  std::vector<precision::PrecisionEvents> events[kSlices];
  std::vector<TensorAccumulator> merged;
  std::vector<TensorStats> acc_stats;
  std::vector<precision::PrecisionEvents> merged_events;
  /// TraceOptions::pair_cosines: per slice, Σ over its pairs of the pair cosine (transformer: Σ
  /// over its sequences of the mean token cosine), by depth unit (0 = input; Trace::pair_cosine).
  std::vector<double> pair_sum[kSlices];
  /// Transformer with pair_cosines: each slice's scratch for sum_token_cosines (d doubles).
  Eigen::VectorXd token_direction_sum[kSlices];

  // Backward buffers.
  Eigen::VectorXf grad_arena;  ///< layout.grad_arena_floats
  std::vector<Eigen::MatrixXf> weight_grads;
  std::vector<Eigen::VectorXf> bias_grads;
  Eigen::VectorXf conv_ws_full;
  Eigen::VectorXf block_grad_ws;  ///< transformer: layout.block_backward_workspace
  bool forward_done = false;

  SliceRunner runner;

  MapF map(const Slot& s) { return {arena.data() + s.offset, s.rows, s.cols}; }
  MapF gmap(const Slot& s) { return {grad_arena.data() + s.offset, s.rows, s.cols}; }

  // network.cpp
  /// Layer l from engine.split(l), its bias from split(kBiasStream + l); rounds when asked.
  void init_weights(const rng::Engine& engine);

  // forward.cpp (each piece after forward() works on one slice or row range)
  /// Runs the slices through the layers (freely or meeting after each layer), then finalize().
  void forward(const Eigen::Ref<const Eigen::MatrixXf>& input, Trace& trace);
  /// First column and column count of slice s in a tensor with `hw` columns per sample.
  [[nodiscard]] Eigen::Index col_begin(int s, Eigen::Index hw) const;
  [[nodiscard]] Eigen::Index col_count(int s, Eigen::Index hw) const;
  void store_chunk(int s, int id, MapF& t, Eigen::Index c0, Eigen::Index nc, double* sample_norms,
                   Eigen::Index hw);
  void store_slice(int s, int id, MapF t, Eigen::Index hw, double* sample_norms);
  void input_slice(int s, Trace& trace);
  void dense_slices(int l, int first, int last);
  void linear_slice(int l, int s, Trace& trace, bool linear_done = false);
  void batchnorm_rows(int l, int part);
  void post_slice(int l, int s, Trace& trace);
  /// Pre placement, l the first layer of a block: its input N(x_b) on slice s (else nothing).
  void branch_input_slice(int l, int s, Trace& trace);
  void stream_slice(int b, int s, Trace& trace);
  void layer_slice_pipeline(int l, int s, Trace& trace, bool linear_done = false);
  /// pair_cosines: adds the cosines of slice s's pairs in `t` (hw columns per sample) to
  /// pair_sum[s][unit].
  void pair_slice(int s, int unit, const MapF& t, Eigen::Index hw);
  /// Transformer with pair_cosines: adds the mean token cosine of each of slice s's sequences in
  /// `t` (d × N) to pair_sum[s][unit].
  void token_slice(int s, int unit, const Eigen::Ref<const Eigen::MatrixXf>& t);

  // forward_trace.cpp
  /// Sizes and clears `trace` (allocates only on its first use with this network).
  void prepare_trace(Trace& trace) const;
  /// tr(HᵀH) and ‖HᵀH‖_F² of dense layer l's input (TraceOptions::gram).
  void gram_of_input(int l, Trace& trace);
  /// Merges the slices' accumulators and fills the forward fields of `trace`.
  void finalize(Trace& trace);
  /// BatchNorm: max_c |σ_c²(y) − σ_c²(z)/(σ_c²(z)+ε)| of one layer.
  [[nodiscard]] double bn_error(const LayerLayout& li) const;
  /// Participation ratios of the first units of layer l.
  void participation(int l, LayerTrace& lt) const;

  // backward.cpp (single thread, full matrices)
  void backward(const Eigen::Ref<const Eigen::MatrixXf>& upstream, Trace& trace);
  void layer_backward(int l, const MapF& g_out, const MapF& target, LayerTrace& lt);

  // transformer_pass.cpp
  /// Allocates the block tensor sets and workspaces (constructor).
  void allocate_transformer();
  /// Runs every slice's sequences through all blocks (after input_slice), rounding and
  /// accumulating each stored tensor; copies the last block's output to layout.streams[1].
  void transformer_forward(Trace& trace);
  /// The block tensor set of block b; its weights.
  [[nodiscard]] nn::TransformerBlockTensors& block_set(int b);
  [[nodiscard]] nn::TransformerBlockWeights block_weights(int b) const;
  /// Fills trace.blocks and trace.output from the merged statistics (finalize).
  void finalize_transformer_blocks(Trace& trace);
  /// Backward through the blocks from the last (backward()).
  void transformer_backward(const Eigen::Ref<const Eigen::MatrixXf>& upstream, Trace& trace);
};

}  // namespace initcheck::engine::detail
