#include "initcheck/engine/network.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <span>
#include <stdexcept>
#include <thread>

#include "initcheck/engine/input_data.hpp"
#include "initcheck/engine/tensor_accumulator.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/nn/gemm.hpp"
#include "initcheck/nn/layers.hpp"
#include "initcheck/precision/rounding.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::engine {
namespace {

using Eigen::Index;
using MapF = Eigen::Map<Eigen::MatrixXf>;
using ConstMapF = Eigen::Map<const Eigen::MatrixXf>;
using precision::PrecisionEvents;

/// The batch is always processed as this many fixed sample slices (fewer if B is smaller), so
/// every float operation is the same whatever the thread count.
constexpr int kSlices = 2;
/// Floats per column chunk of the fused round/statistics/activation pass (stays in L1/L2).
constexpr Index kChunkFloats = 8192;
/// Arena offsets are multiples of 16 floats (64 bytes).
constexpr Index kAlign = 16;

Index round_up(Index x) {
  return (x + kAlign - 1) / kAlign * kAlign;
}

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/// Runs f(0), f(1), ... for the fixed slices, on the calling thread plus (optionally) one
/// persistent worker that spins briefly and then sleeps on an atomic.
class SliceRunner {
 public:
  explicit SliceRunner(bool parallel) {
    if (parallel) worker_ = std::jthread([this] { loop(); });
  }
  ~SliceRunner() {
    if (worker_.joinable()) {
      stop_.store(true, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);
      generation_.notify_one();
    }
  }
  /// True when slices run on two threads.
  [[nodiscard]] bool parallel() const { return worker_.joinable(); }
  SliceRunner(const SliceRunner&) = delete;
  SliceRunner& operator=(const SliceRunner&) = delete;
  SliceRunner(SliceRunner&&) = delete;
  SliceRunner& operator=(SliceRunner&&) = delete;

  template <typename F>
  void run(int slices, F& f) {
    if (!worker_.joinable() || slices < 2) {
      for (int s = 0; s < slices; ++s) f(s);
      return;
    }
    task_ = &f;
    call_ = [](void* p, int s) { (*static_cast<F*>(p))(s); };
    const std::uint32_t gen = generation_.load(std::memory_order_relaxed) + 1;
    generation_.store(gen, std::memory_order_release);
    generation_.notify_one();
    f(0);
    for (int spin = 0; done_.load(std::memory_order_acquire) != gen; ++spin) {
      if (spin < kSpin) {
        cpu_relax();
      } else {
        const std::uint32_t seen = done_.load(std::memory_order_acquire);
        if (seen != gen) done_.wait(seen, std::memory_order_acquire);
      }
    }
  }

 private:
  static constexpr int kSpin = 1 << 14;

  void loop() {
    std::uint32_t seen = 0;
    for (;;) {
      for (int spin = 0; generation_.load(std::memory_order_acquire) == seen; ++spin) {
        if (spin < kSpin) {
          cpu_relax();
        } else {
          generation_.wait(seen, std::memory_order_acquire);
        }
      }
      seen = generation_.load(std::memory_order_acquire);
      if (stop_.load(std::memory_order_relaxed)) return;
      call_(task_, 1);
      done_.store(seen, std::memory_order_release);
      done_.notify_one();
    }
  }

  std::atomic<std::uint32_t> generation_{0};
  std::atomic<std::uint32_t> done_{0};
  std::atomic<bool> stop_{false};
  void* task_ = nullptr;
  void (*call_)(void*, int) = nullptr;
  std::jthread worker_;
};

/// A tensor stored in the arena: rows × cols floats from `offset`.
struct Slot {
  Index offset = 0;
  Index rows = 0;
  Index cols = 0;
};

struct LayerInfo {
  int block = -1;
  bool first_in_block = false;
  bool last_in_block = false;
  bool activated = true;
  Index in_units = 0;
  Index out_units = 0;
  Index fan_in = 0;
  Index in_hw = 1;                      ///< input pixels per sample
  Index out_hw = 1;                     ///< output pixels per sample
  nn::Conv2dShape conv;                 ///< full batch (backward)
  nn::Conv2dShape conv_slice[kSlices];  ///< per slice (forward)
  FanInfo fan;
  Slot in, z, y, h;  ///< y only with a norm; h aliases y (or z) when !activated
  int in_acc = 0, pre_acc = 0, norm_acc = -1, post_acc = 0;
  // Per-sample squared-norm destination for the post tensor: the consumer layer (or −1).
  int post_norms_to = -1;
};

double mean_square(const Eigen::Ref<const Eigen::MatrixXf>& m) {
  if (m.size() == 0) return 0.0;
  double s = 0.0;
  for (Index j = 0; j < m.cols(); ++j) {
    for (Index i = 0; i < m.rows(); ++i) {
      const double v = m(i, j);
      s += v * v;
    }
  }
  return s / static_cast<double>(m.size());
}

}  // namespace

struct Network::Impl {
  model::NetworkConfig cfg;
  TraceOptions opts;
  int num_layers = 0;
  int num_blocks = 0;
  int slices = 1;
  bool is_conv = false;
  bool is_resnet = false;
  bool has_norm = false;
  bool sync_mode = false;  ///< BatchNorm or Gram: layer-synchronous phases
  Index batch = 0;
  Index slice_begin[kSlices + 1] = {};  ///< sample ranges

  std::vector<LayerInfo> layers;
  std::vector<Eigen::MatrixXf> weights;
  std::vector<Eigen::VectorXf> biases;
  std::vector<PrecisionEvents> weight_events;

  Eigen::VectorXf arena;
  Slot x0;                    ///< input copy (and the in-place residual stream without backward)
  std::vector<Slot> streams;  ///< resnet: x_0 … x_nb (x_0 = x0)
  std::vector<int> stream_acc;
  int num_acc = 0;
  std::vector<Index> acc_rows;

  // normalization saved statistics
  std::vector<Eigen::VectorXf> norm_mean, norm_inv_std;
  Eigen::VectorXf conv_ws[kSlices];
  Eigen::MatrixXf gram;

  // per-slice accumulators and events; merged copies
  std::vector<detail::TensorAccumulator> acc[kSlices];
  std::vector<detail::TensorAccumulator> merged;
  std::vector<TensorStats> acc_stats;
  std::vector<PrecisionEvents> events[kSlices];  ///< per accumulator id
  std::vector<PrecisionEvents> merged_events;

  // backward
  Eigen::VectorXf grad_arena;
  std::vector<Slot> grad_out;  ///< ∂L/∂h_l per layer
  Slot grad_x0, grad_y, grad_z, grad_tmp, grad_stream;
  std::vector<Eigen::MatrixXf> weight_grads;
  std::vector<Eigen::VectorXf> bias_grads;
  Eigen::VectorXf conv_ws_full;
  bool forward_done = false;

  SliceRunner runner;

  Impl(const model::NetworkConfig& config, const TraceOptions& options)
      : cfg(config),
        opts(options),
        runner(options.threads > 1 && std::min<std::int64_t>(config.batch, kSlices) > 1) {
    build();
  }

  MapF map(const Slot& s) { return {arena.data() + s.offset, s.rows, s.cols}; }
  MapF gmap(const Slot& s) { return {grad_arena.data() + s.offset, s.rows, s.cols}; }

  int new_acc(Index rows) {
    acc_rows.push_back(rows);
    return num_acc++;
  }

  void build() {
    cfg.validate();
    is_conv = cfg.arch == model::Architecture::conv;
    is_resnet = cfg.arch == model::Architecture::resnet;
    has_norm = cfg.norm != model::Norm::none;
    sync_mode = cfg.norm == model::Norm::batchnorm || opts.gram;
    batch = cfg.batch;
    slices = static_cast<int>(std::min<Index>(batch, kSlices));
    for (int s = 0; s <= slices; ++s) slice_begin[s] = batch * s / slices;
    const int m = is_resnet ? cfg.block_layers : 1;
    num_blocks = is_resnet ? cfg.depth() : 0;
    num_layers = model::weight_layer_count(cfg);
    const bool keep = opts.backward;
    const int pad = cfg.padding < 0 ? cfg.kernel / 2 : cfg.padding;

    // Shapes.
    layers.resize(static_cast<std::size_t>(num_layers));
    Index hw_side = is_conv ? cfg.spatial : 1;
    for (int l = 0; l < num_layers; ++l) {
      LayerInfo& li = layers[static_cast<std::size_t>(l)];
      const int unit = is_resnet ? l / m : l;  // index into widths
      li.block = is_resnet ? l / m : -1;
      li.first_in_block = is_resnet && l % m == 0;
      li.last_in_block = is_resnet && l % m == m - 1;
      li.activated = !li.last_in_block;
      li.in_units = cfg.widths[static_cast<std::size_t>(unit)];
      li.out_units = cfg.widths[static_cast<std::size_t>(unit) + (is_resnet ? 0U : 1U)];
      if (is_conv) {
        nn::Conv2dShape shape;
        shape.in_channels = li.in_units;
        shape.out_channels = li.out_units;
        shape.kernel = cfg.kernel;
        shape.stride = cfg.stride;
        shape.padding = pad;
        shape.groups = cfg.groups;
        shape.height = static_cast<int>(hw_side);
        shape.width = static_cast<int>(hw_side);
        shape.batch = batch;
        li.conv = shape;
        for (int s = 0; s < slices; ++s) {
          li.conv_slice[s] = shape;
          li.conv_slice[s].batch = slice_begin[s + 1] - slice_begin[s];
        }
        li.in_hw = hw_side * hw_side;
        hw_side = shape.out_height();
        li.out_hw = hw_side * hw_side;
      }
      li.fan = model::layer_fan(cfg, l);
      li.fan_in = li.fan.fan_in();
    }

    // Arena slots.
    Index used = 0;
    auto alloc = [&](Index rows, Index cols) {
      Slot s{used, rows, cols};
      used += round_up(rows * cols);
      return s;
    };
    const Index n0 = cfg.widths[0];
    x0 = alloc(n0, batch * (is_conv ? static_cast<Index>(cfg.spatial) * cfg.spatial : 1));
    const int input_acc = new_acc(n0);
    (void)input_acc;
    Index max_out = 0;
    for (const LayerInfo& li : layers) {
      max_out = std::max(max_out, li.out_units * batch * li.out_hw);
    }
    Slot shared_z;
    Slot shared_y;
    Slot shared_h[2];
    if (!keep) {
      shared_z = alloc(0, 0);
      used += round_up(max_out);
      if (has_norm) {
        shared_y = alloc(0, 0);
        used += round_up(max_out);
      }
      for (Slot& s : shared_h) {
        s = alloc(0, 0);
        used += round_up(max_out);
      }
    }
    auto slot_for = [&](const Slot& shared, Index rows, Index cols) {
      if (keep) return alloc(rows, cols);
      return Slot{shared.offset, rows, cols};
    };
    if (is_resnet) {
      streams.push_back(x0);
      stream_acc.push_back(0);
    }
    Slot prev = x0;
    int prev_acc = 0;
    for (int l = 0; l < num_layers; ++l) {
      LayerInfo& li = layers[static_cast<std::size_t>(l)];
      const Index cols = batch * li.out_hw;
      if (li.first_in_block) {
        prev = streams.back();
        prev_acc = stream_acc.back();
      }
      li.in = prev;
      li.in_acc = prev_acc;
      li.z = slot_for(shared_z, li.out_units, cols);
      li.pre_acc = new_acc(li.out_units);
      if (has_norm) {
        li.y = slot_for(shared_y, li.out_units, cols);
        li.norm_acc = new_acc(li.out_units);
      }
      if (li.activated) {
        li.h = slot_for(shared_h[l % 2], li.out_units, cols);
        li.post_acc = new_acc(li.out_units);
      } else {
        li.h = has_norm ? li.y : li.z;
        li.post_acc = has_norm ? li.norm_acc : li.pre_acc;
      }
      prev = li.h;
      prev_acc = li.post_acc;
      if (li.last_in_block) {
        streams.push_back(keep ? alloc(n0, cols) : x0);
        stream_acc.push_back(new_acc(n0));
      }
    }
    for (int l = 0; l + 1 < num_layers; ++l) {
      if (!layers[static_cast<std::size_t>(l) + 1].first_in_block) {
        layers[static_cast<std::size_t>(l)].post_norms_to = l + 1;
      }
    }
    arena.setZero(used);

    // Weights and per-layer state.
    weights.resize(static_cast<std::size_t>(num_layers));
    biases.resize(static_cast<std::size_t>(num_layers));
    weight_events.assign(static_cast<std::size_t>(num_layers), PrecisionEvents{});
    norm_mean.resize(static_cast<std::size_t>(num_layers));
    norm_inv_std.resize(static_cast<std::size_t>(num_layers));
    Index ws[kSlices] = {};
    for (int l = 0; l < num_layers; ++l) {
      const auto ul = static_cast<std::size_t>(l);
      const LayerInfo& li = layers[ul];
      weights[ul].setZero(li.fan.rows(), li.fan.cols());
      if (cfg.init->has_bias()) biases[ul].setZero(li.out_units);
      if (cfg.norm == model::Norm::batchnorm) {
        norm_mean[ul].setZero(li.out_units);
        norm_inv_std[ul].setZero(li.out_units);
      } else if (cfg.norm == model::Norm::layernorm) {
        norm_mean[ul].setZero(batch);
        norm_inv_std[ul].setZero(batch);
      }
      if (is_conv) {
        for (int s = 0; s < slices; ++s) ws[s] = std::max(ws[s], li.conv_slice[s].workspace_size());
      }
    }
    for (int s = 0; s < slices; ++s) conv_ws[s].setZero(ws[s]);
    if (opts.gram) gram.setZero(batch, batch);

    for (auto& a : acc) {
      a.resize(static_cast<std::size_t>(num_acc));
      for (int i = 0; i < num_acc; ++i) {
        a[static_cast<std::size_t>(i)].resize(acc_rows[static_cast<std::size_t>(i)]);
      }
    }
    for (auto& e : events) e.assign(static_cast<std::size_t>(num_acc), PrecisionEvents{});
    merged.resize(static_cast<std::size_t>(num_acc));
    for (int i = 0; i < num_acc; ++i) {
      merged[static_cast<std::size_t>(i)].resize(acc_rows[static_cast<std::size_t>(i)]);
    }
    acc_stats.resize(static_cast<std::size_t>(num_acc));
    merged_events.resize(static_cast<std::size_t>(num_acc));

    if (keep) build_backward();
  }

  void build_backward() {
    Index used = 0;
    auto alloc = [&](Index rows, Index cols) {
      Slot s{used, rows, cols};
      used += round_up(rows * cols);
      return s;
    };
    Index max_out = 0;
    grad_out.resize(static_cast<std::size_t>(num_layers));
    for (int l = 0; l < num_layers; ++l) {
      const LayerInfo& li = layers[static_cast<std::size_t>(l)];
      grad_out[static_cast<std::size_t>(l)] = alloc(li.out_units, li.z.cols);
      max_out = std::max(max_out, li.z.rows * li.z.cols);
    }
    grad_x0 = alloc(x0.rows, x0.cols);
    grad_y = alloc(max_out, 1);
    grad_z = alloc(max_out, 1);
    if (is_resnet) {
      grad_tmp = alloc(x0.rows, x0.cols);
      grad_stream = grad_x0;
    }
    grad_arena.setZero(used);
    weight_grads.resize(static_cast<std::size_t>(num_layers));
    bias_grads.resize(static_cast<std::size_t>(num_layers));
    Index ws = 0;
    for (int l = 0; l < num_layers; ++l) {
      const auto ul = static_cast<std::size_t>(l);
      weight_grads[ul].setZero(weights[ul].rows(), weights[ul].cols());
      bias_grads[ul].setZero(biases[ul].size());
      if (is_conv) ws = std::max(ws, layers[ul].conv.workspace_size());
    }
    conv_ws_full.setZero(ws);
  }

  void init_weights(const rng::Engine& engine) {
    for (int l = 0; l < num_layers; ++l) {
      const auto ul = static_cast<std::size_t>(l);
      const LayerInfo& li = layers[ul];
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

  // ---- forward pieces (each works on one slice or row range) ----

  Index col_begin(int s, Index hw) const { return slice_begin[s] * hw; }
  Index col_count(int s, Index hw) const { return (slice_begin[s + 1] - slice_begin[s]) * hw; }

  /// Rounds columns [c0, c0+nc) of `t` in place, adding to events[s][id], and accumulates them.
  void store_chunk(int s, int id, MapF& t, Index c0, Index nc, double* sample_norms, Index hw) {
    float* p = t.data() + c0 * t.rows();
    if (cfg.precision != precision::Format::fp32) {
      events[s][static_cast<std::size_t>(id)] += precision::round_to_format(
          cfg.precision, std::span<float>(p, static_cast<std::size_t>(nc * t.rows())));
    }
    acc[s][static_cast<std::size_t>(id)].add(p, nc, sample_norms, c0, hw);
  }

  static Index chunk_cols(Index rows) {
    return std::max<Index>(1, kChunkFloats / std::max<Index>(rows, 1));
  }

  /// Rounds + accumulates all columns of slice s of tensor `t` (no activation).
  void store_slice(int s, int id, MapF t, Index hw, double* sample_norms) {
    const Index c0 = col_begin(s, hw);
    const Index nc = col_count(s, hw);
    const Index step = chunk_cols(t.rows());
    for (Index c = c0; c < c0 + nc; c += step) {
      store_chunk(s, id, t, c, std::min(step, c0 + nc - c), sample_norms, hw);
    }
  }

  static double* norms_ptr(std::vector<double>& v) { return v.empty() ? nullptr : v.data(); }

  void input_slice(int s, Trace& trace) {
    store_slice(s, 0, map(x0), is_conv ? x0.cols / batch : 1, norms_ptr(trace.input_sq_norms));
  }

  /// z = W·h_in (+b) of dense layer l for slices first … last−1 in one GEMM call (the weight
  /// panels are packed once for all of them); per-column results are the same for any split.
  void dense_slices(int l, int first, int last) {
    const auto ul = static_cast<std::size_t>(l);
    const LayerInfo& li = layers[ul];
    MapF z = map(li.z);
    nn::gemm_column_groups(
        weights[ul], map(li.in), z,
        std::span<const Index>(slice_begin, static_cast<std::size_t>(slices) + 1), first, last);
    if (biases[ul].size() != 0) {
      for (int s = first; s < last; ++s) {
        z.middleCols(col_begin(s, 1), col_count(s, 1)).colwise() += biases[ul];
      }
    }
  }

  /// Layer l on slice s: the linear step (unless `linear_done`), then norm/activation/stats.
  void linear_slice(int l, int s, Trace& trace, bool linear_done = false) {
    const auto ul = static_cast<std::size_t>(l);
    const LayerInfo& li = layers[ul];
    MapF in = map(li.in);
    MapF z = map(li.z);
    const Index ic0 = col_begin(s, li.in_hw);
    const Index inc = col_count(s, li.in_hw);
    const Index oc0 = col_begin(s, li.out_hw);
    const Index onc = col_count(s, li.out_hw);
    if (is_conv) {
      nn::conv2d_forward(li.conv_slice[s], weights[ul], biases[ul], in.middleCols(ic0, inc),
                         z.middleCols(oc0, onc), conv_ws[s]);
    } else if (!linear_done) {
      dense_slices(l, s, s + 1);
    }
    double* pre_norms = norms_ptr(trace.layers[ul].pre_sq_norms);
    if (!has_norm) {
      post_slice(l, s, trace);  // fused: round z, stats of z, φ, round h, stats of h
      return;
    }
    store_slice(s, li.pre_acc, z, li.out_hw, pre_norms);
    if (cfg.norm == model::Norm::layernorm) {
      const Index b0 = slice_begin[s];
      const Index nb = slice_begin[s + 1] - slice_begin[s];
      nn::layernorm_forward(z.middleCols(oc0, onc), cfg.bn_eps, li.out_hw,
                            map(li.y).middleCols(oc0, onc), norm_mean[ul].segment(b0, nb),
                            norm_inv_std[ul].segment(b0, nb));
      post_slice(l, s, trace);
    }
  }

  /// BatchNorm on row part `part` of layer l (rows are independent).
  void batchnorm_rows(int l, int part) {
    const auto ul = static_cast<std::size_t>(l);
    const LayerInfo& li = layers[ul];
    const Index r0 = li.out_units * part / slices;
    const Index nr = li.out_units * (part + 1) / slices - r0;
    if (nr == 0) return;
    nn::batchnorm_forward(map(li.z).middleRows(r0, nr), cfg.bn_eps, map(li.y).middleRows(r0, nr),
                          norm_mean[ul].segment(r0, nr), norm_inv_std[ul].segment(r0, nr));
  }

  /// The fused pass over slice s of layer l after the linear (and norm) step.
  void post_slice(int l, int s, Trace& trace) {
    const auto ul = static_cast<std::size_t>(l);
    const LayerInfo& li = layers[ul];
    MapF src = has_norm ? map(li.y) : map(li.z);
    const int src_acc = has_norm ? li.norm_acc : li.pre_acc;
    double* src_norms = has_norm ? nullptr : norms_ptr(trace.layers[ul].pre_sq_norms);
    MapF h = map(li.h);
    double* post_norms =
        li.post_norms_to >= 0
            ? norms_ptr(trace.layers[static_cast<std::size_t>(li.post_norms_to)].input_sq_norms)
            : (l + 1 == num_layers && !is_resnet ? norms_ptr(trace.output_sq_norms) : nullptr);
    const Index c0 = col_begin(s, li.out_hw);
    const Index nc = col_count(s, li.out_hw);
    const Index step = chunk_cols(li.out_units);
    // fp32 ReLU: one fused pass (stats of z, h = relu(z), stats of h); nothing is rounded.
    const bool fused_relu = li.activated && cfg.precision == precision::Format::fp32 &&
                            cfg.activation.kind == nn::ActivationKind::relu;
    for (Index c = c0; c < c0 + nc; c += step) {
      const Index n = std::min(step, c0 + nc - c);
      if (fused_relu) {
        detail::add_relu(acc[s][static_cast<std::size_t>(src_acc)],
                         acc[s][static_cast<std::size_t>(li.post_acc)], src.data() + c * src.rows(),
                         h.data() + c * h.rows(), n, src_norms, post_norms, c, li.out_hw);
        continue;
      }
      store_chunk(s, src_acc, src, c, n, src_norms, li.out_hw);
      if (li.activated) {
        nn::activation_forward(cfg.activation, src.middleCols(c, n), h.middleCols(c, n));
        store_chunk(s, li.post_acc, h, c, n, post_norms, li.out_hw);
      }
    }
  }

  /// Residual add for block b on slice s: x_{b+1} = x_b + α·F.
  void stream_slice(int b, int s, Trace& trace) {
    const LayerInfo& last = layers[static_cast<std::size_t>((b + 1) * cfg.block_layers - 1)];
    MapF f = map(last.h);
    MapF xin = map(streams[static_cast<std::size_t>(b)]);
    MapF xout = map(streams[static_cast<std::size_t>(b) + 1]);
    const auto alpha = static_cast<float>(cfg.branch_scale);
    const int next = (b + 1) * cfg.block_layers;
    double* norms = next < num_layers
                        ? norms_ptr(trace.layers[static_cast<std::size_t>(next)].input_sq_norms)
                        : norms_ptr(trace.output_sq_norms);
    const Index c0 = col_begin(s, 1);
    const Index nc = col_count(s, 1);
    const Index step = chunk_cols(xout.rows());
    for (Index c = c0; c < c0 + nc; c += step) {
      const Index n = std::min(step, c0 + nc - c);
      xout.middleCols(c, n).array() =
          xin.middleCols(c, n).array() + alpha * f.middleCols(c, n).array();
      store_chunk(s, stream_acc[static_cast<std::size_t>(b) + 1], xout, c, n, norms, 1);
    }
  }

  /// Everything of layer l (and the residual add after it) that slice s can do alone.
  void layer_slice_pipeline(int l, int s, Trace& trace, bool linear_done = false) {
    linear_slice(l, s, trace, linear_done);
    const LayerInfo& li = layers[static_cast<std::size_t>(l)];
    if (li.last_in_block) stream_slice(li.block, s, trace);
  }

  void gram_of_input(int l, Trace& trace) {
    const auto ul = static_cast<std::size_t>(l);
    const LayerInfo& li = layers[ul];
    LayerTrace& lt = trace.layers[ul];
    if (is_conv) return;
    nn::gemm(1.0f, map(li.in), true, map(li.in), false, 0.0f, gram);
    double tr = 0.0;
    double fro = 0.0;
    for (Index j = 0; j < gram.cols(); ++j) {
      for (Index i = 0; i < gram.rows(); ++i) {
        const double g = gram(i, j);
        fro += g * g;
      }
      tr += gram(j, j);
    }
    lt.gram_trace = tr;
    lt.gram_frobenius_sq = fro;
  }

  void prepare_trace(Trace& trace) const {
    const auto L = static_cast<std::size_t>(num_layers);
    const auto k = static_cast<std::size_t>(std::max(opts.dominance_units, 0));
    const std::size_t per_sample = opts.per_sample_norms ? static_cast<std::size_t>(batch) : 0;
    if (trace.layers.size() != L) trace.layers.resize(L);
    if (trace.blocks.size() != static_cast<std::size_t>(num_blocks)) {
      trace.blocks.resize(static_cast<std::size_t>(num_blocks));
    }
    trace.input_sq_norms.resize(per_sample);
    std::fill(trace.input_sq_norms.begin(), trace.input_sq_norms.end(), 0.0);
    trace.output_sq_norms.resize(per_sample);
    std::fill(trace.output_sq_norms.begin(), trace.output_sq_norms.end(), 0.0);
    for (std::size_t l = 0; l < L; ++l) {
      LayerTrace& lt = trace.layers[l];
      lt.input_sq_norms.resize(per_sample);
      lt.pre_sq_norms.resize(per_sample);
      std::fill(lt.input_sq_norms.begin(), lt.input_sq_norms.end(), 0.0);
      std::fill(lt.pre_sq_norms.begin(), lt.pre_sq_norms.end(), 0.0);
      lt.participation_ratio.resize(
          std::min<std::size_t>(k, static_cast<std::size_t>(layers[l].out_units)));
      lt.gram_trace = 0.0;
      lt.gram_frobenius_sq = 0.0;
    }
    trace.has_backward = false;
    trace.grad_output_sq = 0.0;
    trace.grad_input_sq = 0.0;
    trace.nonfinite = false;
  }

  void forward(const Eigen::Ref<const Eigen::MatrixXf>& input, Trace& trace) {
    if (input.rows() != x0.rows || input.cols() != x0.cols) {
      throw std::invalid_argument("Network::forward: input shape does not match the network");
    }
    prepare_trace(trace);
    map(x0) = input;
    for (int s = 0; s < slices; ++s) {
      for (auto& a : acc[s]) a.reset();
      std::fill(events[s].begin(), events[s].end(), PrecisionEvents{});
    }
    if (!sync_mode && !is_conv && !runner.parallel()) {
      // One thread, dense: layer by layer, one GEMM call for all slices (packs W_l once).
      for (int s = 0; s < slices; ++s) input_slice(s, trace);
      for (int l = 0; l < num_layers; ++l) {
        dense_slices(l, 0, slices);
        for (int s = 0; s < slices; ++s) layer_slice_pipeline(l, s, trace, true);
      }
    } else if (!sync_mode) {
      auto all = [&](int s) {
        input_slice(s, trace);
        for (int l = 0; l < num_layers; ++l) layer_slice_pipeline(l, s, trace);
      };
      runner.run(slices, all);
    } else {
      auto in = [&](int s) { input_slice(s, trace); };
      runner.run(slices, in);
      for (int l = 0; l < num_layers; ++l) {
        if (opts.gram) gram_of_input(l, trace);
        const LayerInfo& li = layers[static_cast<std::size_t>(l)];
        if (cfg.norm == model::Norm::batchnorm) {
          auto lin = [&](int s) { linear_slice(l, s, trace); };
          runner.run(slices, lin);
          auto bn = [&](int part) { batchnorm_rows(l, part); };
          runner.run(slices, bn);
          auto post = [&](int s) {
            post_slice(l, s, trace);
            if (li.last_in_block) stream_slice(li.block, s, trace);
          };
          runner.run(slices, post);
        } else {
          auto step = [&](int s) { layer_slice_pipeline(l, s, trace); };
          runner.run(slices, step);
        }
      }
    }
    finalize(trace);
    forward_done = true;
  }

  void finalize(Trace& trace) {
    for (int i = 0; i < num_acc; ++i) {
      const auto ui = static_cast<std::size_t>(i);
      detail::TensorAccumulator& mg = merged[ui];
      mg.reset();
      PrecisionEvents ev;
      for (int s = 0; s < slices; ++s) {
        mg.merge(acc[s][ui]);
        ev += events[s][ui];
      }
      acc_stats[ui] = mg.stats();
      if (cfg.precision == precision::Format::fp32) {  // fp32 storage: nothing rounds; count only
        ev.total = acc_stats[ui].count;
        ev.nan = acc_stats[ui].nan_count;
        ev.infinite = acc_stats[ui].inf_count;
      }
      merged_events[ui] = ev;
      if (acc_stats[ui].nan_count > 0 || acc_stats[ui].inf_count > 0) trace.nonfinite = true;
    }
    trace.input = acc_stats[0];
    if (!trace.layers.empty()) trace.layers[0].input_sq_norms = trace.input_sq_norms;
    for (int l = 0; l < num_layers; ++l) {
      const auto ul = static_cast<std::size_t>(l);
      const LayerInfo& li = layers[ul];
      LayerTrace& lt = trace.layers[ul];
      lt.index = l;
      lt.block = li.block;
      lt.activated = li.activated;
      lt.in_units = li.in_units;
      lt.out_units = li.out_units;
      lt.fan_in = li.fan_in;
      lt.columns = li.z.cols;
      lt.input_second_moment = acc_stats[static_cast<std::size_t>(li.in_acc)].second_moment;
      lt.pre = acc_stats[static_cast<std::size_t>(li.pre_acc)];
      lt.pre_events = merged_events[static_cast<std::size_t>(li.pre_acc)];
      lt.norm = has_norm ? acc_stats[static_cast<std::size_t>(li.norm_acc)] : TensorStats{};
      lt.norm_events =
          has_norm ? merged_events[static_cast<std::size_t>(li.norm_acc)] : PrecisionEvents{};
      lt.post = acc_stats[static_cast<std::size_t>(li.post_acc)];
      lt.post_events =
          li.activated ? merged_events[static_cast<std::size_t>(li.post_acc)] : PrecisionEvents{};
      lt.weight_events = weight_events[ul];
      lt.bn_max_variance_error = cfg.norm == model::Norm::batchnorm ? bn_error(li) : 0.0;
      participation(l, lt);
      lt.grad_post_sq = lt.grad_pre_sq = lt.grad_weight_sq = lt.grad_input_sq = 0.0;
    }
    for (int b = 0; b < num_blocks; ++b) {
      const auto ub = static_cast<std::size_t>(b);
      BlockTrace& bt = trace.blocks[ub];
      bt.index = b;
      const LayerInfo& last = layers[static_cast<std::size_t>((b + 1) * cfg.block_layers - 1)];
      bt.branch = acc_stats[static_cast<std::size_t>(last.post_acc)];
      bt.stream = acc_stats[static_cast<std::size_t>(stream_acc[ub + 1])];
      bt.stream_events = merged_events[static_cast<std::size_t>(stream_acc[ub + 1])];
      bt.grad_stream_sq = 0.0;
    }
    const int out_acc = is_resnet ? stream_acc.back() : layers.back().post_acc;
    trace.output = acc_stats[static_cast<std::size_t>(out_acc)];
  }

  double bn_error(const LayerInfo& li) const {
    const detail::TensorAccumulator& z = merged[static_cast<std::size_t>(li.pre_acc)];
    const detail::TensorAccumulator& y = merged[static_cast<std::size_t>(li.norm_acc)];
    const auto n = static_cast<double>(z.columns);
    double worst = 0.0;
    for (std::size_t c = 0; c < z.row_sum.size(); ++c) {
      const double mz = z.row_sum[c] / n;
      const double vz = z.row_sumsq[c] / n - mz * mz;
      const double my = y.row_sum[c] / n;
      const double vy = y.row_sumsq[c] / n - my * my;
      const double err = std::abs(vy - vz / (vz + cfg.bn_eps));
      if (!(err <= worst)) worst = err;  // NaN propagates
    }
    return worst;
  }

  void participation(int l, LayerTrace& lt) const {
    const auto ul = static_cast<std::size_t>(l);
    const LayerInfo& li = layers[ul];
    const detail::TensorAccumulator& in = merged[static_cast<std::size_t>(li.in_acc)];
    const auto n = static_cast<double>(in.columns);
    const Eigen::MatrixXf& w = weights[ul];
    const Index k2 = is_conv ? static_cast<Index>(cfg.kernel) * cfg.kernel : 1;
    const Index cin_g = li.in_units / (is_conv ? cfg.groups : 1);
    const Index cout_g = li.out_units / (is_conv ? cfg.groups : 1);
    for (std::size_t i = 0; i < lt.participation_ratio.size(); ++i) {
      const auto row = static_cast<Index>(i);
      const Index group = row / cout_g;
      double s1 = 0.0;
      double s2 = 0.0;
      for (Index j = 0; j < w.cols(); ++j) {
        const Index channel = group * cin_g + j / k2;
        const double wij = w(row, j);
        const double v = wij * wij * in.row_sumsq[static_cast<std::size_t>(channel)] / n;
        s1 += v;
        s2 += v * v;
      }
      lt.participation_ratio[i] = s2 > 0.0 ? s1 * s1 / s2 : 0.0;
    }
  }

  // ---- backward (single thread, full matrices) ----

  /// Backprop of layer l from ∂L/∂h (g_out) to ∂L/∂(input) written into `target`.
  void layer_backward(int l, const MapF& g_out, const MapF& target, LayerTrace& lt) {
    const auto ul = static_cast<std::size_t>(l);
    const LayerInfo& li = layers[ul];
    const Index rows = li.out_units;
    const Index cols = li.z.cols;
    lt.grad_post_sq = mean_square(g_out);
    MapF gy(grad_arena.data() + grad_y.offset, rows, cols);
    MapF gz(grad_arena.data() + grad_z.offset, rows, cols);
    MapF src = has_norm ? map(li.y) : map(li.z);
    if (li.activated) {
      nn::activation_backward(cfg.activation, src, g_out, gy);
    } else {
      gy = g_out;
    }
    if (cfg.norm == model::Norm::batchnorm) {
      nn::batchnorm_backward(map(li.y), norm_inv_std[ul], gy, gz);
    } else if (cfg.norm == model::Norm::layernorm) {
      nn::layernorm_backward(map(li.y), norm_inv_std[ul], li.out_hw, gy, gz);
    } else {
      gz = gy;
    }
    lt.grad_pre_sq = mean_square(gz);
    if (is_conv) {
      nn::conv2d_backward(li.conv, weights[ul], map(li.in), gz, target, weight_grads[ul],
                          bias_grads[ul], conv_ws_full);
    } else {
      nn::dense_backward(weights[ul], map(li.in), gz, target, weight_grads[ul], bias_grads[ul]);
    }
    lt.grad_weight_sq = mean_square(weight_grads[ul]);
    lt.grad_input_sq = mean_square(target);
  }

  void backward(const Eigen::Ref<const Eigen::MatrixXf>& upstream, Trace& trace) {
    if (!opts.backward) throw std::logic_error("Network::backward: TraceOptions::backward is off");
    if (!forward_done) throw std::logic_error("Network::backward: call forward first");
    const LayerInfo& last = layers.back();
    const Slot out = is_resnet ? streams.back() : last.h;
    if (upstream.rows() != out.rows || upstream.cols() != out.cols) {
      throw std::invalid_argument("Network::backward: upstream shape does not match the output");
    }
    trace.grad_output_sq = mean_square(upstream);
    if (!is_resnet) {
      gmap(grad_out.back()) = upstream;
      for (int l = num_layers - 1; l >= 0; --l) {
        const auto ul = static_cast<std::size_t>(l);
        MapF target = l == 0 ? gmap(grad_x0) : gmap(grad_out[ul - 1]);
        layer_backward(l, gmap(grad_out[ul]), target, trace.layers[ul]);
      }
    } else {
      MapF gs = gmap(grad_stream);
      gs = upstream;
      const int m = cfg.block_layers;
      const auto alpha = static_cast<float>(cfg.branch_scale);
      for (int b = num_blocks - 1; b >= 0; --b) {
        trace.blocks[static_cast<std::size_t>(b)].grad_stream_sq = mean_square(gs);
        const int lastl = (b + 1) * m - 1;
        gmap(grad_out[static_cast<std::size_t>(lastl)]) = alpha * gs;
        for (int l = lastl; l >= b * m; --l) {
          const auto ul = static_cast<std::size_t>(l);
          MapF target = l == b * m ? gmap(grad_tmp) : gmap(grad_out[ul - 1]);
          layer_backward(l, gmap(grad_out[ul]), target, trace.layers[ul]);
        }
        gs += gmap(grad_tmp);
      }
    }
    trace.grad_input_sq = mean_square(gmap(grad_x0));
    trace.has_backward = true;
    auto bad = [](double v) { return !std::isfinite(v); };
    if (bad(trace.grad_input_sq) || bad(trace.grad_output_sq)) trace.nonfinite = true;
    for (const LayerTrace& lt : trace.layers) {
      if (bad(lt.grad_post_sq) || bad(lt.grad_pre_sq) || bad(lt.grad_weight_sq)) {
        trace.nonfinite = true;
      }
    }
  }
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
  return impl_->num_layers;
}
Eigen::Index Network::input_rows() const {
  return impl_->x0.rows;
}
Eigen::Index Network::input_cols() const {
  return impl_->x0.cols;
}
Eigen::Index Network::output_rows() const {
  return impl_->is_resnet ? impl_->x0.rows : impl_->layers.back().h.rows;
}
Eigen::Index Network::output_cols() const {
  return impl_->is_resnet ? impl_->x0.cols : impl_->layers.back().h.cols;
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
  const Slot s = impl_->is_resnet ? impl_->streams.back() : impl_->layers.back().h;
  return {impl_->arena.data() + s.offset, s.rows, s.cols};
}
const Eigen::MatrixXf& Network::weight_grad(int layer) const {
  return impl_->weight_grads.at(static_cast<std::size_t>(layer));
}
const Eigen::VectorXf& Network::bias_grad(int layer) const {
  return impl_->bias_grads.at(static_cast<std::size_t>(layer));
}
Eigen::Map<const Eigen::MatrixXf> Network::input_grad() const {
  const Slot s = impl_->grad_x0;
  return {impl_->grad_arena.data() + s.offset, s.rows, s.cols};
}

Eigen::MatrixXf make_input(const model::NetworkConfig& config, rng::Engine& engine) {
  config.validate();
  const Index n0 = config.widths[0];
  const Index pixels = config.arch == model::Architecture::conv
                           ? static_cast<Index>(config.spatial) * config.spatial
                           : 1;
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
    for (Index j = 0; j < n0; ++j) {
      const double s = std::exp(log_r * (2.0 * rng::uniform01(scales) - 1.0));
      x.row(j) *= static_cast<float>(s);
    }
  }
  return x;
}

}  // namespace initcheck::engine
