// The transformer stack (--arch transformer): nn::transformer_block_forward per block and batch
// slice (a slice is a fixed range of sequences, so results do not depend on the thread count),
// each stored tensor rounded to the storage format and accumulated through a BlockTensorSink;
// the backward pass runs block by block over the full batch in fp32.
#include <span>

#include "initcheck/engine/detail/network_impl.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/precision/rounding.hpp"

namespace initcheck::engine::detail {
namespace {

using Eigen::Index;
constexpr int kLayers = model::kTransformerBlockLayers;

/// Rounds each tensor of one block and slice in place and adds it to that slice's accumulator.
class StatsSink final : public nn::BlockTensorSink {
 public:
  StatsSink(NetworkImpl& net, int slice, int block, double* output_norms)
      : net_(net), slice_(slice), block_(block), output_norms_(output_norms) {}

  void store(nn::BlockTensor tensor, nn::MatRef values) override {
    const int id =
        net_.layout.block_acc[static_cast<std::size_t>(block_)] + static_cast<int>(tensor);
    const auto uid = static_cast<std::size_t>(id);
    if (net_.cfg.precision != precision::Format::fp32) {
      net_.events[slice_][uid] += precision::round_to_format(
          net_.cfg.precision,
          std::span<float>(values.data(), static_cast<std::size_t>(values.size())));
    }
    const Index tokens = net_.layout.block_shape.tokens;
    const bool output = id == net_.layout.stream_acc.back();
    net_.acc[slice_][uid].add(values.data(), values.cols(), output ? output_norms_ : nullptr,
                              net_.layout.slice_begin[slice_] * tokens, tokens);
  }

 private:
  NetworkImpl& net_;
  int slice_;
  int block_;
  double* output_norms_;
};

double mean_square(const Eigen::Ref<const Eigen::MatrixXf>& m) {
  if (m.size() == 0) return 0.0;
  return m.cast<double>().squaredNorm() / static_cast<double>(m.size());
}

}  // namespace

void NetworkImpl::allocate_transformer() {
  block_storage.setZero(layout.block_tensor_floats * layout.block_tensor_sets);
  block_tensors.reserve(static_cast<std::size_t>(layout.block_tensor_sets));
  for (int i = 0; i < layout.block_tensor_sets; ++i) {
    block_tensors.emplace_back(layout.block_shape,
                               block_storage.data() + layout.block_tensor_floats * i);
  }
  for (int s = 0; s < layout.slices; ++s) block_ws[s].setZero(layout.block_forward_workspace);
  block_grad_ws.setZero(layout.block_backward_workspace);
}

nn::TransformerBlockTensors& NetworkImpl::block_set(int b) {
  return block_tensors[static_cast<std::size_t>(b % layout.block_tensor_sets)];
}

nn::TransformerBlockWeights NetworkImpl::block_weights(int b) const {
  const auto w = [&](int j) -> const Eigen::MatrixXf& {
    return weights[static_cast<std::size_t>(b * kLayers + j)];
  };
  return {w(0), w(1), w(2), w(3)};
}

void NetworkImpl::transformer_forward(Trace& trace) {
  double* output_norms = trace.output_sq_norms.empty() ? nullptr : trace.output_sq_norms.data();
  auto run = [&](int s) {
    const Index first = layout.slice_begin[s];
    const Index count = layout.slice_begin[s + 1] - first;
    for (int b = 0; b < layout.num_blocks; ++b) {
      StatsSink sink(*this, s, b, output_norms);
      const nn::ConstMatRef x =
          b == 0 ? nn::ConstMatRef(map(layout.x0)) : nn::ConstMatRef(block_set(b - 1).output());
      nn::transformer_block_forward(layout.block_shape, block_weights(b), x, block_set(b),
                                    block_ws[s], &sink, first, count);
      if (opts.pair_cosines) {
        const Index tokens = layout.block_shape.tokens;
        token_slice(s, b + 1, block_set(b).output().middleCols(first * tokens, count * tokens));
      }
    }
    const Index tokens = layout.block_shape.tokens;
    map(layout.streams.back()).middleCols(first * tokens, count * tokens) =
        block_set(layout.num_blocks - 1).output().middleCols(first * tokens, count * tokens);
  };
  runner.run(layout.slices, run);
}

void NetworkImpl::finalize_transformer_blocks(Trace& trace) {
  for (int b = 0; b < layout.num_blocks; ++b) {
    BlockTrace& bt = trace.blocks[static_cast<std::size_t>(b)];
    const auto stats = [&](nn::BlockTensor t) -> const TensorStats& {
      return acc_stats[static_cast<std::size_t>(layout.block_acc[static_cast<std::size_t>(b)] +
                                                static_cast<int>(t))];
    };
    bt.index = b;
    bt.tensors.resize(nn::kBlockTensorCount);
    for (int t = 0; t < nn::kBlockTensorCount; ++t) {
      bt.tensors[static_cast<std::size_t>(t)] = stats(static_cast<nn::BlockTensor>(t));
    }
    const auto out = static_cast<std::size_t>(layout.stream_acc[static_cast<std::size_t>(b) + 1]);
    bt.branch_input =
        layout.block_shape.pre_norm
            ? stats(nn::BlockTensor::attn_norm)
            : acc_stats[static_cast<std::size_t>(layout.stream_acc[static_cast<std::size_t>(b)])];
    bt.branch = stats(nn::BlockTensor::mlp_down);
    bt.sum = stats(nn::BlockTensor::mlp_sum);
    bt.stream = acc_stats[out];
    bt.stream_events = merged_events[out];
    bt.norm_events = precision::PrecisionEvents{};
    bt.grad_stream_sq = 0.0;
  }
  trace.output = acc_stats[static_cast<std::size_t>(layout.stream_acc.back())];
}

void NetworkImpl::transformer_backward(const Eigen::Ref<const Eigen::MatrixXf>& upstream,
                                       Trace& trace) {
  const nn::TransformerBlockShape& shape = layout.block_shape;
  for (int b = layout.num_blocks - 1; b >= 0; --b) {
    // Block b writes ∂L/∂x_b into grad_x0 (b even) or grad_tmp (b odd), so block 0 ends in
    // grad_x0 and no block reads the buffer it writes.
    const nn::ConstMatRef grad_out =
        b + 1 == layout.num_blocks
            ? upstream
            : nn::ConstMatRef(gmap((b + 1) % 2 == 0 ? layout.grad_x0 : layout.grad_tmp));
    trace.blocks[static_cast<std::size_t>(b)].grad_stream_sq = mean_square(grad_out);
    const nn::ConstMatRef x =
        b == 0 ? nn::ConstMatRef(map(layout.x0)) : nn::ConstMatRef(block_set(b - 1).output());
    const auto g = [&](int j) -> Eigen::MatrixXf& {
      return weight_grads[static_cast<std::size_t>(b * kLayers + j)];
    };
    MapF grad_in = gmap(b % 2 == 0 ? layout.grad_x0 : layout.grad_tmp);
    nn::transformer_block_backward(shape, block_weights(b), x, block_set(b), grad_out,
                                   {g(0), g(1), g(2), g(3), grad_in}, block_grad_ws);
    for (int j = 0; j < kLayers; ++j) {
      LayerTrace& lt = trace.layers[static_cast<std::size_t>(b * kLayers + j)];
      lt.grad_post_sq = lt.grad_pre_sq = lt.grad_input_sq = 0.0;
      lt.grad_weight_sq = mean_square(g(j));
    }
  }
}

}  // namespace initcheck::engine::detail
