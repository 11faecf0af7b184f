#include "initcheck/engine/network.hpp"

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>

#include "initcheck/engine/detail/network_impl.hpp"
#include "initcheck/engine/input_data.hpp"
#include "initcheck/precision/rounding.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::engine {

namespace detail {

using Eigen::Index;
using precision::PrecisionEvents;

NetworkImpl::NetworkImpl(const model::NetworkConfig& config, const TraceOptions& options)
    : cfg(config),
      opts(options),
      layout(cfg, opts),
      sync_mode(cfg.layer_norm() == model::Norm::batchnorm || opts.gram),
      runner(options.threads > 1 && layout.slices > 1) {
  const auto L = static_cast<std::size_t>(layout.num_layers);
  const Index batch = layout.batch;
  arena.setZero(layout.arena_floats);
  weights.resize(L);
  biases.resize(L);
  weight_events.assign(L, PrecisionEvents{});
  norm_mean.resize(L);
  norm_inv_std.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    const LayerLayout& li = layout.layers[l];
    weights[l].setZero(li.fan.rows(), li.fan.cols());
    if (cfg.init->has_bias()) biases[l].setZero(li.out_units);
    if (cfg.layer_norm() == model::Norm::batchnorm) {
      norm_mean[l].setZero(li.out_units);
      norm_inv_std[l].setZero(li.out_units);
    } else if (layout.has_norm) {
      norm_mean[l].setZero(batch);
      norm_inv_std[l].setZero(batch);
    }
  }
  if (cfg.stream_norm() != model::Norm::none) {
    stream_norm_mean.resize(static_cast<std::size_t>(layout.num_blocks));
    stream_norm_inv_std.resize(static_cast<std::size_t>(layout.num_blocks));
    for (std::size_t b = 0; b < stream_norm_mean.size(); ++b) {
      stream_norm_mean[b].setZero(batch);
      stream_norm_inv_std[b].setZero(batch);
    }
  }
  for (int s = 0; s < layout.slices; ++s) conv_ws[s].setZero(layout.slice_workspace[s]);
  if (layout.is_transformer) allocate_transformer();
  if (opts.gram) gram.setZero(batch, batch);

  const auto num_acc = static_cast<std::size_t>(layout.num_acc());
  for (auto& a : acc) {
    a.resize(num_acc);
    for (std::size_t i = 0; i < num_acc; ++i) a[i].resize(layout.acc_rows[i]);
  }
  for (auto& e : events) e.assign(num_acc, PrecisionEvents{});
  merged.resize(num_acc);
  for (std::size_t i = 0; i < num_acc; ++i) merged[i].resize(layout.acc_rows[i]);
  acc_stats.resize(num_acc);
  merged_events.resize(num_acc);
  if (opts.pair_cosines) {
    const bool blocks = layout.is_resnet || layout.is_transformer;
    const int units = blocks ? layout.num_blocks : layout.num_layers;
    for (auto& p : pair_sum) p.assign(static_cast<std::size_t>(units) + 1, 0.0);
    if (layout.is_transformer) {
      for (auto& v : token_direction_sum) v.setZero(layout.block_shape.width);
    }
  }

  if (!opts.backward) return;
  grad_arena.setZero(layout.grad_arena_floats);
  weight_grads.resize(L);
  bias_grads.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    weight_grads[l].setZero(weights[l].rows(), weights[l].cols());
    bias_grads[l].setZero(biases[l].size());
  }
  conv_ws_full.setZero(layout.workspace);
}

void NetworkImpl::init_weights(const rng::Engine& engine) {
  for (int l = 0; l < layout.num_layers; ++l) {
    const auto ul = static_cast<std::size_t>(l);
    const LayerLayout& li = layout.layers[ul];
    rng::Engine w = engine.split(static_cast<std::uint64_t>(l));
    cfg.init->fill_weights(li.fan, weights[ul], w);
    weight_events[ul] = PrecisionEvents{};
    if (cfg.init->has_bias()) {
      rng::Engine b = engine.split(kBiasStream + static_cast<std::uint64_t>(l));
      cfg.init->fill_bias(li.fan, biases[ul], b);
    }
    if (cfg.round_weights && cfg.precision != precision::Format::fp32) {
      weight_events[ul] = precision::round_to_format(
          cfg.precision,
          std::span<float>(weights[ul].data(), static_cast<std::size_t>(weights[ul].size())));
      if (biases[ul].size() > 0) {
        weight_events[ul] += precision::round_to_format(
            cfg.precision,
            std::span<float>(biases[ul].data(), static_cast<std::size_t>(biases[ul].size())));
      }
    }
  }
}

}  // namespace detail

/// Network::Impl is the internal NetworkImpl (a nested name the public header can declare).
struct Network::Impl : detail::NetworkImpl {
  using NetworkImpl::NetworkImpl;
};

Network::Network(const model::NetworkConfig& config, const TraceOptions& options,
                 const rng::Engine& weights)
    : impl_(std::make_unique<Impl>(config, options)) {
  impl_->init_weights(weights);
}
Network::~Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;

void Network::init_weights(const rng::Engine& weights) {
  impl_->init_weights(weights);
}
void Network::forward(const Eigen::Ref<const Eigen::MatrixXf>& input, Trace& trace) {
  impl_->forward(input, trace);
}
void Network::backward(const Eigen::Ref<const Eigen::MatrixXf>& upstream, Trace& trace) {
  impl_->backward(upstream, trace);
}
const model::NetworkConfig& Network::config() const {
  return impl_->cfg;
}
const TraceOptions& Network::options() const {
  return impl_->opts;
}
int Network::num_layers() const {
  return impl_->layout.num_layers;
}
Eigen::Index Network::input_rows() const {
  return impl_->layout.x0.rows;
}
Eigen::Index Network::input_cols() const {
  return impl_->layout.x0.cols;
}
Eigen::Index Network::output_rows() const {
  return impl_->layout.output().rows;
}
Eigen::Index Network::output_cols() const {
  return impl_->layout.output().cols;
}
Eigen::MatrixXf& Network::weights(int layer) {
  return impl_->weights.at(static_cast<std::size_t>(layer));
}
const Eigen::MatrixXf& Network::weights(int layer) const {
  return impl_->weights.at(static_cast<std::size_t>(layer));
}
Eigen::VectorXf& Network::bias(int layer) {
  return impl_->biases.at(static_cast<std::size_t>(layer));
}
Eigen::Map<const Eigen::MatrixXf> Network::output() const {
  const detail::Slot& s = impl_->layout.output();
  return {impl_->arena.data() + s.offset, s.rows, s.cols};
}
const Eigen::MatrixXf& Network::weight_grad(int layer) const {
  return impl_->weight_grads.at(static_cast<std::size_t>(layer));
}
const Eigen::VectorXf& Network::bias_grad(int layer) const {
  return impl_->bias_grads.at(static_cast<std::size_t>(layer));
}
Eigen::Map<const Eigen::MatrixXf> Network::input_grad() const {
  const detail::Slot& s = impl_->layout.grad_x0;
  return {impl_->grad_arena.data() + s.offset, s.rows, s.cols};
}

Eigen::MatrixXf make_input(const model::NetworkConfig& config, rng::Engine& engine) {
  config.validate();
  const Eigen::Index n0 = config.widths[0];
  const Eigen::Index pixels = config.columns_per_sample();
  if (config.input == model::InputKind::dataset_normalized ||
      config.input == model::InputKind::dataset_unnormalized) {
    return draw_dataset_batch(n0, config.batch * pixels,
                              config.input == model::InputKind::dataset_normalized, engine);
  }
  Eigen::MatrixXf x(n0, config.batch * pixels);
  rng::fill_normal(engine, std::span<float>(x.data(), static_cast<std::size_t>(x.size())));
  if (config.input == model::InputKind::unnormalized) {
    rng::Engine scales = engine.split(kInputScaleStream);
    const double log_r = std::log(config.input_scale_range);
    for (Eigen::Index j = 0; j < n0; ++j) {
      const double s = std::exp(log_r * (2.0 * rng::uniform01(scales) - 1.0));
      x.row(j) *= static_cast<float>(s);
    }
  }
  return x;
}

void mix_input_pairs(Eigen::MatrixXf& input, Eigen::Index samples_hw, double c) {
  if (!(c >= -1.0 && c <= 1.0)) {
    throw std::invalid_argument("mix_input_pairs: the pair correlation must lie in [-1, 1]");
  }
  const auto a = static_cast<float>(c);
  const auto b = static_cast<float>(std::sqrt(1.0 - c * c));
  const Eigen::Index samples = input.cols() / samples_hw;
  for (Eigen::Index i = 0; i + 1 < samples; i += 2) {
    auto x = input.middleCols(i * samples_hw, samples_hw);
    auto y = input.middleCols((i + 1) * samples_hw, samples_hw);
    y = a * x + b * y;
  }
}

}  // namespace initcheck::engine
