#include "initcheck/theory/trajectory.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "initcheck/core/error.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/theory/gaussian_expectation.hpp"
#include "initcheck/theory/transformer_trajectory.hpp"

namespace initcheck::theory {
namespace {

/// Per-pixel moments of a tensor (averaged over units/channels): mean and second moment.
struct Map {
  int height = 1;
  int width = 1;
  std::vector<double> mean;
  std::vector<double> second;

  Map(int h, int w, double m, double s)
      : height(h),
        width(w),
        mean(static_cast<std::size_t>(h) * w, m),
        second(static_cast<std::size_t>(h) * w, s) {}
  [[nodiscard]] std::size_t size() const { return mean.size(); }
};

double average(const std::vector<double>& v) {
  double sum = 0.0;
  for (const double x : v) sum += x;
  return v.empty() ? 0.0 : sum / static_cast<double>(v.size());
}

/// coefficient·moment where a zero coefficient (zero-mean or zero weights) contributes exactly 0
/// even when the moment has overflowed to ±inf or become NaN (inf − inf) in a deep network.
double times(double coefficient, double moment) {
  return coefficient == 0.0 ? 0.0 : coefficient * moment;
}

/// Spatial geometry of one weight layer (dense = 1×1 map, kernel 1).
struct Geometry {
  int in_height = 1;
  int in_width = 1;
  int kernel = 1;
  int stride = 1;
  int pad = 0;
  double in_per_group = 1.0;   ///< input channels seen by one output channel
  double out_per_group = 1.0;  ///< output channels fed by one input channel
  /// The weight variance sits at the centre tap (WeightLaw::centre_tap_only): that tap carries
  /// kernel² times the declared variance, the others none.
  bool centre_only = false;

  [[nodiscard]] int out_height() const { return (in_height + 2 * pad - kernel) / stride + 1; }
  [[nodiscard]] int out_width() const { return (in_width + 2 * pad - kernel) / stride + 1; }

  /// Calls fn(input pixel, output pixel, share) for every in-bounds kernel tap; share is the
  /// tap's multiple of the declared weight variance (1, or kernel²/0 when centre_only).
  template <typename Fn>
  void for_each_tap(Fn fn) const {
    const int centre = kernel / 2;
    const double centre_share = static_cast<double>(kernel) * kernel;
    const int oh = out_height();
    const int ow = out_width();
    for (int oy = 0; oy < oh; ++oy) {
      for (int ox = 0; ox < ow; ++ox) {
        const std::size_t o = static_cast<std::size_t>(oy) * ow + ox;
        for (int ky = 0; ky < kernel; ++ky) {
          const int iy = oy * stride - pad + ky;
          if (iy < 0 || iy >= in_height) continue;
          for (int kx = 0; kx < kernel; ++kx) {
            const int ix = ox * stride - pad + kx;
            if (ix < 0 || ix >= in_width) continue;
            if (!centre_only) {
              fn(static_cast<std::size_t>(iy) * in_width + ix, o, 1.0);
            } else if (ky == centre && kx == centre) {
              fn(static_cast<std::size_t>(iy) * in_width + ix, o, centre_share);
            }
          }
        }
      }
    }
  }
};

/// Moments of φ(Y), Y ~ N(mean, variance), memoized (pixels of a map share few distinct laws).
class MomentCache {
 public:
  explicit MomentCache(const nn::Activation& act) : act_(act) {
    if (act_.is_homogeneous()) unit_ = activation_moments(act_, 0.0, 1.0);
  }

  ActivationMoments get(double mean, double variance) {
    if (std::isnan(mean) || std::isnan(variance)) {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      return {nan, nan, nan};
    }
    if (act_.is_homogeneous() && mean == 0.0) {
      // φ(√v·Z) = √v·φ(Z) and φ′ does not depend on the scale.
      const double sd = std::sqrt(variance);
      return {unit_.mean * sd, unit_.second_moment * variance, unit_.derivative_second_moment};
    }
    // Key rounded to ~13 significant digits: mirror-image pixels differ only by summation
    // order; the induced error (1e-13 relative) is far below the oracle's 10 digits.
    const std::pair<double, double> key{round_key(mean), round_key(variance)};
    const auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
    // An overflowed moment (a deep exploding network) is evaluated at the largest double:
    // E[φ²] then overflows to +inf as well, while E[φ′²] stays exact.
    constexpr double kMax = std::numeric_limits<double>::max();
    const ActivationMoments m =
        activation_moments(act_, std::clamp(mean, -kMax, kMax), std::min(variance, kMax));
    cache_.emplace(key, m);
    return m;
  }

 private:
  static double round_key(double x) {
    if (x == 0.0 || !std::isfinite(x)) return x;
    int exponent = 0;
    const double mantissa = std::frexp(x, &exponent);
    return std::ldexp(std::round(mantissa * 0x1p43) / 0x1p43, exponent);
  }

  nn::Activation act_;
  ActivationMoments unit_;
  std::map<std::pair<double, double>, ActivationMoments> cache_;
};

/// What the backward pass needs from one forward layer.
struct BackwardRecord {
  Geometry geometry;
  double weight_second = 0.0;      ///< E[W²] = Var W + (E W)²
  std::vector<double> derivative;  ///< E[φ′(y)²] per output pixel (1 when not activated)
  double norm_factor = 1.0;        ///< 1/(σ² + ε) for BN/LN, 1 otherwise
};

struct LayerResult {
  LayerPrediction prediction;
  Map output;
  BackwardRecord record;
};

LayerResult forward_layer(const model::NetworkConfig& config, const FanInfo& fan,
                          const Geometry& layer_geo, const Map& in, bool activated,
                          MomentCache& cache) {
  const init::WeightLaw w = config.init->weight_law(fan);
  if (!w.mean_field) {
    throw InputError("the mean-field oracle has no prediction for init '" + config.init->name() +
                     "': layer " + std::to_string(fan.layer + 1) +
                     " is a fixed matrix, so its pre-activations are not Gaussian");
  }
  Geometry geo = layer_geo;
  geo.centre_only = w.centre_tap_only;
  const init::WeightLaw b =
      config.init->has_bias() ? config.init->bias_law(fan) : init::WeightLaw{0.0, 0.0, 3.0};
  const std::size_t out_size = static_cast<std::size_t>(geo.out_height()) * geo.out_width();
  std::vector<double> sum_mean(out_size, 0.0);
  std::vector<double> sum_second(out_size, 0.0);
  std::vector<double> sum_var(out_size, 0.0);
  geo.for_each_tap([&](std::size_t p, std::size_t o, double share) {
    sum_mean[o] += share * in.mean[p];
    sum_second[o] += share * in.second[p];
    sum_var[o] += share * (in.second[p] - in.mean[p] * in.mean[p]);
  });

  // Pre-activation law per pixel: z ~ N(M, V); Vw is the within-channel variance (BatchNorm).
  const double c = geo.in_per_group;
  std::vector<double> pre_mean(out_size);
  std::vector<double> pre_var(out_size);
  std::vector<double> within(out_size);
  for (std::size_t o = 0; o < out_size; ++o) {
    pre_mean[o] = times(w.mean * c, sum_mean[o]) + b.mean;
    pre_var[o] =
        c * (times(w.variance, sum_second[o]) + times(w.mean * w.mean, sum_var[o])) + b.variance;
    within[o] = times(c * (w.variance + w.mean * w.mean), sum_var[o]);
  }

  // Normalization: law of y per pixel.
  std::vector<double> y_mean = pre_mean;
  std::vector<double> y_var = pre_var;
  double norm_factor = 1.0;
  const model::Norm norm = config.layer_norm();
  if (norm == model::Norm::batchnorm) {
    const double sigma2 = average(within);
    norm_factor = 1.0 / (sigma2 + config.bn_eps);
    for (std::size_t o = 0; o < out_size; ++o) {
      y_mean[o] = 0.0;
      y_var[o] = within[o] * norm_factor;
    }
  } else if (norm == model::Norm::layernorm || norm == model::Norm::rmsnorm) {
    // Per sample over features and pixels: LayerNorm centres on the mean m̄ and divides by
    // √(s² + ε); RMSNorm divides by √(E[z²] + ε) without centring.
    const double m_bar = norm == model::Norm::layernorm ? average(pre_mean) : 0.0;
    double second = 0.0;
    for (std::size_t o = 0; o < out_size; ++o) second += pre_var[o] + pre_mean[o] * pre_mean[o];
    const double s2 = second / static_cast<double>(out_size) - m_bar * m_bar;
    norm_factor = 1.0 / (s2 + config.bn_eps);
    const double scale = std::sqrt(norm_factor);
    for (std::size_t o = 0; o < out_size; ++o) {
      y_mean[o] = (pre_mean[o] - m_bar) * scale;
      y_var[o] = pre_var[o] * norm_factor;
    }
  }

  LayerResult r{LayerPrediction{}, Map(geo.out_height(), geo.out_width(), 0.0, 0.0),
                BackwardRecord{geo, w.variance + w.mean * w.mean,
                               std::vector<double>(out_size, 1.0), norm_factor}};
  double pre_second = 0.0;
  double norm_second = 0.0;
  for (std::size_t o = 0; o < out_size; ++o) {
    pre_second += pre_var[o] + pre_mean[o] * pre_mean[o];
    norm_second += y_var[o] + y_mean[o] * y_mean[o];
    if (activated) {
      const ActivationMoments m = cache.get(y_mean[o], y_var[o]);
      r.output.mean[o] = m.mean;
      r.output.second[o] = m.second_moment;
      r.record.derivative[o] = m.derivative_second_moment;
    } else {
      r.output.mean[o] = y_mean[o];
      r.output.second[o] = y_var[o] + y_mean[o] * y_mean[o];
    }
  }
  LayerPrediction& lp = r.prediction;
  lp.index = fan.layer;
  lp.activated = activated;
  lp.fan_in = fan.fan_in();
  lp.weight_variance = w.variance;
  lp.weight_mean = w.mean;
  lp.bias_variance = b.variance;
  lp.input_second_moment = average(in.second);
  lp.pre_mean = average(pre_mean);
  lp.pre_second_moment = pre_second / static_cast<double>(out_size);
  lp.norm_second_moment = norm_second / static_cast<double>(out_size);
  lp.post_mean = average(r.output.mean);
  lp.post_second_moment = average(r.output.second);
  lp.gain = lp.post_second_moment / lp.input_second_moment;
  return r;
}

/// Back-propagates per-pixel gradient second moments through one layer; fills the gradient
/// fields of `lp` and returns the map of E[(∂L/∂h_in)²].
std::vector<double> backward_layer(const BackwardRecord& rec, const std::vector<double>& grad_post,
                                   LayerPrediction& lp) {
  const std::size_t out_size = grad_post.size();
  std::vector<double> grad_pre(out_size);
  for (std::size_t o = 0; o < out_size; ++o) {
    grad_pre[o] = grad_post[o] * rec.derivative[o] * rec.norm_factor;
  }
  const Geometry& geo = rec.geometry;
  std::vector<double> grad_in(static_cast<std::size_t>(geo.in_height) * geo.in_width, 0.0);
  geo.for_each_tap(
      [&](std::size_t p, std::size_t o, double share) { grad_in[p] += share * grad_pre[o]; });
  for (double& g : grad_in) g *= rec.weight_second * geo.out_per_group;
  lp.grad_post_sq = average(grad_post);
  lp.grad_pre_sq = average(grad_pre);
  lp.grad_input_sq = average(grad_in);
  lp.backward_gain = lp.grad_input_sq / lp.grad_post_sq;
  return grad_in;
}

/// A resnet stream (mean m, second moment q per unit) through the pre/post placement's
/// per-sample norm: LayerNorm gives mean 0 and (q − m²)/(q − m² + ε); RMSNorm m/√(q + ε) and
/// q/(q + ε). `factor` is what the backward pass multiplies gradient second moments by
/// (1/(σ² + ε); the Jacobian's projections remove O(1/width) of it).
struct StreamNorm {
  double mean = 0.0;
  double second = 0.0;
  double factor = 1.0;
};

StreamNorm normalize_stream(const model::NetworkConfig& config, double mean, double second) {
  const bool centre = config.stream_norm() == model::Norm::layernorm;
  const double spread = centre ? second - mean * mean : second;
  StreamNorm n;
  n.factor = 1.0 / (spread + config.bn_eps);
  n.mean = centre ? 0.0 : mean * std::sqrt(n.factor);
  n.second = spread * n.factor;
  return n;
}

Geometry dense_geometry(std::int64_t in_units, std::int64_t out_units) {
  Geometry g;
  g.in_per_group = static_cast<double>(in_units);
  g.out_per_group = static_cast<double>(out_units);
  return g;
}

}  // namespace

double PredictedTrajectory::cumulative_gain() const {
  return output_second_moment / input_second_moment;
}

double input_second_moment(const model::NetworkConfig& config) {
  // Raw dataset (engine/input_data.hpp): E[m²] + E[s²] = 1 + (4² − 4⁻²)/(4 ln 4).
  if (config.input == model::InputKind::dataset_unnormalized) {
    return 1.0 + (16.0 - 1.0 / 16.0) / (4.0 * std::log(4.0));
  }
  if (config.input != model::InputKind::unnormalized) return 1.0;
  const double r = config.input_scale_range;
  if (!(r > 1.0)) return 1.0;
  // E[s²] for log s ~ U(−ln r, ln r).
  return (r * r - 1.0 / (r * r)) / (4.0 * std::log(r));
}

PredictedTrajectory predict_trajectory(const model::NetworkConfig& config) {
  if (!config.init) throw InputError("theory: the network config has no init scheme");
  if (config.widths.size() < 2) throw InputError("theory: the network needs depth >= 1");
  for (const std::int64_t n : config.widths) {
    if (n <= 0) throw InputError("theory: widths must be positive");
  }
  if (config.arch == model::Architecture::transformer)
    return predict_transformer_trajectory(config);
  const int depth = config.depth();
  MomentCache cache(config.activation);
  PredictedTrajectory t;
  t.input_second_moment = input_second_moment(config);
  std::vector<BackwardRecord> records;

  if (config.arch == model::Architecture::resnet) {
    if (config.block_layers < 1) throw InputError("theory: resnet block_layers must be >= 1");
    const std::int64_t n = config.widths.at(0);
    const double alpha2 = config.branch_scale * config.branch_scale;
    const bool pre = config.norm_placement == model::NormPlacement::pre;
    const bool post = config.norm_placement == model::NormPlacement::post;
    Map stream(1, 1, 0.0, t.input_second_moment);
    std::vector<double> stream_norm_factor(static_cast<std::size_t>(depth), 1.0);
    for (int blk = 0; blk < depth; ++blk) {
      Map h = stream;
      if (pre) {
        const StreamNorm normed = normalize_stream(config, stream.mean[0], stream.second[0]);
        h = Map(1, 1, normed.mean, normed.second);
        stream_norm_factor[static_cast<std::size_t>(blk)] = normed.factor;
      }
      const double branch_input = h.second[0];
      for (int j = 0; j < config.block_layers; ++j) {
        const int index = blk * config.block_layers + j;
        LayerResult r = forward_layer(config, model::layer_fan(config, index), dense_geometry(n, n),
                                      h, j + 1 < config.block_layers, cache);
        r.prediction.block = blk;
        t.layers.push_back(r.prediction);
        records.push_back(std::move(r.record));
        h = std::move(r.output);
      }
      BlockPrediction bp;
      bp.index = blk;
      bp.branch_input_second_moment = branch_input;
      bp.branch_second_moment = h.second[0];
      const double previous = stream.second[0];
      stream.second[0] =
          previous + alpha2 * h.second[0] + 2.0 * config.branch_scale * stream.mean[0] * h.mean[0];
      stream.mean[0] += config.branch_scale * h.mean[0];
      bp.sum_second_moment = stream.second[0];
      if (post) {
        const StreamNorm normed = normalize_stream(config, stream.mean[0], stream.second[0]);
        stream = Map(1, 1, normed.mean, normed.second);
        stream_norm_factor[static_cast<std::size_t>(blk)] = normed.factor;
      }
      bp.stream_second_moment = stream.second[0];
      bp.stream_mean = stream.mean[0];
      bp.gain = stream.second[0] / previous;
      t.blocks.push_back(bp);
    }
    t.output_second_moment = stream.second[0];

    // Backward: ∂L/∂x_{b−1} = ∂L/∂x_b + α·J_Fᵀ ∂L/∂x_b; cross terms vanish on average. The
    // stream norm scales what passes through it: post, both paths; pre, the branch path.
    std::vector<double> grad_stream{1.0};
    for (int blk = depth - 1; blk >= 0; --blk) {
      const double norm_factor = stream_norm_factor[static_cast<std::size_t>(blk)];
      t.blocks[static_cast<std::size_t>(blk)].grad_stream_sq = grad_stream[0];
      const double before = grad_stream[0];
      if (post) grad_stream[0] *= norm_factor;
      std::vector<double> g{alpha2 * grad_stream[0]};
      for (int j = config.block_layers - 1; j >= 0; --j) {
        const std::size_t index =
            static_cast<std::size_t>(blk) * static_cast<std::size_t>(config.block_layers) +
            static_cast<std::size_t>(j);
        g = backward_layer(records[index], g, t.layers[index]);
      }
      grad_stream[0] += pre ? norm_factor * g[0] : g[0];
      t.blocks[static_cast<std::size_t>(blk)].backward_gain = grad_stream[0] / before;
    }
    t.grad_input_sq = grad_stream[0];
    return t;
  }

  const bool conv = config.arch == model::Architecture::conv;
  const int spatial = conv ? config.spatial : 1;
  Map h(spatial, spatial, 0.0, t.input_second_moment);
  for (int l = 0; l < depth; ++l) {
    const FanInfo fan = model::layer_fan(config, l);
    Geometry geo = dense_geometry(fan.in_units, fan.out_units);
    if (conv) {
      if (config.kernel < 1 || config.stride < 1 || config.groups < 1) {
        throw InputError("theory: conv kernel, stride and groups must be >= 1");
      }
      geo.in_height = h.height;
      geo.in_width = h.width;
      geo.kernel = config.kernel;
      geo.stride = config.stride;
      geo.pad = config.padding < 0 ? config.kernel / 2 : config.padding;
      // Integer division, exact for valid configs (channels divisible by groups).
      const std::int64_t in_per_group = fan.in_units / config.groups;
      const std::int64_t out_per_group = fan.out_units / config.groups;
      geo.in_per_group = static_cast<double>(in_per_group);
      geo.out_per_group = static_cast<double>(out_per_group);
      if (geo.out_height() < 1 || geo.out_width() < 1) {
        throw InputError("theory: conv layer " + std::to_string(l) + " has an empty output");
      }
    }
    LayerResult r = forward_layer(config, fan, geo, h, true, cache);
    t.layers.push_back(r.prediction);
    records.push_back(std::move(r.record));
    h = std::move(r.output);
  }
  t.output_second_moment = average(h.second);
  std::vector<double> grad(h.size(), 1.0);
  for (int l = depth - 1; l >= 0; --l) {
    const auto index = static_cast<std::size_t>(l);
    grad = backward_layer(records[index], grad, t.layers[index]);
  }
  t.grad_input_sq = average(grad);
  return t;
}

}  // namespace initcheck::theory
