#include "initcheck/model/weight_files.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <system_error>

#include "initcheck/core/error.hpp"
#include "initcheck/io/safetensors.hpp"
#include "initcheck/stats/sample_moments.hpp"

namespace initcheck::model {
namespace {

constexpr std::int64_t kMaxWidth = 1 << 16;  // the limits of `check --widths` and `--kernel`
constexpr std::int64_t kMaxKernel = 15;
constexpr std::size_t kMaxLayers = 10000;

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i != 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// The layer key of `name` when it is `KEY.<kind>` or exactly `<kind>`.
std::optional<std::string> layer_key(const std::string& name, const std::string& kind) {
  if (name == kind) return std::string();
  if (ends_with(name, "." + kind)) return name.substr(0, name.size() - kind.size() - 1);
  return std::nullopt;
}

/// One layer's entries pooled over the files: streaming central moments (stats::SampleMoments)
/// and the range, for the law the oracle and the sample plan read.
struct PooledMoments {
  stats::SampleMoments moments;
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();

  void add(std::span<const float> values) {
    moments.add(values);
    for (float v : values) {
      lo = std::min(lo, static_cast<double>(v));
      hi = std::max(hi, static_cast<double>(v));
    }
  }

  /// Population moments: mean, variance Σd²/n, kurtosis n·Σd⁴/(Σd²)² (3 when constant).
  [[nodiscard]] init::WeightLaw law() const {
    init::WeightLaw law{0.0, 0.0, 3.0};
    const auto n = static_cast<double>(moments.count());
    if (n == 0.0) return law;
    const double m2 = moments.sum_sq_dev();
    law.mean = moments.mean();
    law.variance = m2 / n;
    law.kurtosis = m2 > 0.0 ? n * moments.sum_fourth_dev() / (m2 * m2) : 3.0;
    law.support_bound = std::max(hi - law.mean, law.mean - lo);
    return law;
  }
};

/// The layers of one file's tensors, validated (see WeightFiles::open).
std::vector<WeightFileLayer> layout_of(const std::string& path,
                                       const std::vector<io::Tensor>& tensors) {
  std::map<std::string, const io::Tensor*> weights;
  std::map<std::string, const io::Tensor*> biases;
  for (const io::Tensor& t : tensors) {
    const std::optional<std::string> weight_key = layer_key(t.name, "weight");
    const std::optional<std::string> key = weight_key ? weight_key : layer_key(t.name, "bias");
    if (!key) {
      throw InputError(path + ": tensor '" + t.name +
                       "' is neither X.weight nor X.bias (only the weights and biases of "
                       "Linear and Conv2d layers can be read)");
    }
    auto& same_kind = weight_key ? weights : biases;
    if (same_kind.contains(*key)) {  // `weight` and `.weight`: one layer named twice
      throw InputError(path + ": tensors '" + same_kind[*key]->name + "' and '" + t.name +
                       "' name the same layer");
    }
    same_kind[*key] = &t;
  }
  if (weights.empty()) throw InputError(path + ": no X.weight tensor (no layer to check)");
  for (const auto& [key, bias] : biases) {
    if (!weights.contains(key)) {
      throw InputError(path + ": tensor '" + bias->name + "' has no matching weight tensor");
    }
  }
  std::vector<const io::Tensor*> order;
  order.reserve(weights.size());
  for (const auto& [key, w] : weights) order.push_back(w);
  std::sort(order.begin(), order.end(), [](const io::Tensor* a, const io::Tensor* b) {
    return natural_less(a->name, b->name);
  });
  if (order.size() > kMaxLayers) {
    throw InputError(path + ": more than " + std::to_string(kMaxLayers) + " weight tensors");
  }

  std::vector<WeightFileLayer> layers;
  for (const io::Tensor* w : order) {
    const std::string where = path + ": tensor '" + w->name + "' of shape " + shape_text(w->shape);
    const std::size_t dims = w->shape.size();
    if (dims != 2 && dims != 4) {
      throw InputError(where +
                       " is neither 2-D [out, in] (Linear) nor 4-D [out, in, k, k] (Conv2d)");
    }
    if (!layers.empty() && dims != layers.front().weight_shape.size()) {
      throw InputError(where + " mixes Linear and Conv2d layers (first layer '" +
                       layers.front().weight_tensor + "'); only one kind per network");
    }
    if (dims == 4 && (w->shape[2] != w->shape[3] || w->shape[2] < 1 || w->shape[2] > kMaxKernel)) {
      throw InputError(where + ": only square kernels of size 1 to 15 are supported");
    }
    if (dims == 4 && !layers.empty() && w->shape[2] != layers.front().weight_shape[2]) {
      throw InputError(where + ": its kernel differs from the first layer's (" +
                       std::to_string(layers.front().weight_shape[2]) + ")");
    }
    for (std::size_t i = 0; i < 2; ++i) {
      if (w->shape[i] < 1 || w->shape[i] > kMaxWidth) {
        throw InputError(where + ": widths must be in [1, 65536]");
      }
    }
    if (!layers.empty() && w->shape[1] != layers.back().weight_shape[0]) {
      throw InputError(where + " takes " + std::to_string(w->shape[1]) + " inputs but '" +
                       layers.back().weight_tensor + "' has " +
                       std::to_string(layers.back().weight_shape[0]) +
                       " outputs (the layers must form a chain in name order)");
    }
    WeightFileLayer layer{w->name, "", w->shape};
    const auto bias = biases.find(*layer_key(w->name, "weight"));
    if (bias != biases.end()) {
      if (bias->second->shape != std::vector<std::int64_t>{w->shape[0]}) {
        throw InputError(path + ": tensor '" + bias->second->name + "' has shape " +
                         shape_text(bias->second->shape) + "; its layer needs [" +
                         std::to_string(w->shape[0]) + "]");
      }
      layer.bias_tensor = bias->second->name;
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

/// Throws InputError unless `layers` (of `path`) equals the first file's `expected`.
void require_same_layout(const std::string& path, const std::vector<WeightFileLayer>& layers,
                         const std::string& first, const std::vector<WeightFileLayer>& expected) {
  if (layers.size() != expected.size()) {
    throw InputError(path + ": has " + std::to_string(layers.size()) + " weight layers but " +
                     first + " has " + std::to_string(expected.size()) +
                     " (every file must hold the same model)");
  }
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const WeightFileLayer& a = layers[l];
    const WeightFileLayer& b = expected[l];
    if (a.weight_tensor != b.weight_tensor || a.weight_shape != b.weight_shape ||
        a.bias_tensor != b.bias_tensor) {
      throw InputError(path + ": layer " + std::to_string(l) + " is tensor '" + a.weight_tensor +
                       "' " + shape_text(a.weight_shape) +
                       (a.bias_tensor.empty() ? " without bias" : " with bias") + " but in " +
                       first + " it is '" + b.weight_tensor + "' " + shape_text(b.weight_shape) +
                       (b.bias_tensor.empty() ? " without bias" : " with bias") +
                       " (every file must hold the same model)");
    }
  }
}

/// The values of `tensors` in layer order; throws InputError on a non-finite value.
std::vector<LayerValues> values_of(const std::string& path, std::vector<io::Tensor>& tensors,
                                   const std::vector<WeightFileLayer>& layers) {
  std::map<std::string, io::Tensor*> by_name;
  for (io::Tensor& t : tensors) by_name[t.name] = &t;
  std::vector<LayerValues> out;
  for (const WeightFileLayer& layer : layers) {
    LayerValues& v = out.emplace_back();
    v.weights = std::move(by_name.at(layer.weight_tensor)->values);
    if (!layer.bias_tensor.empty()) v.bias = std::move(by_name.at(layer.bias_tensor)->values);
    for (const auto* values : {&v.weights, &v.bias}) {
      if (!std::all_of(values->begin(), values->end(), [](float x) { return std::isfinite(x); })) {
        throw InputError(path + ": tensor '" +
                         (values == &v.weights ? layer.weight_tensor : layer.bias_tensor) +
                         "' holds a value that is not finite (nan or inf)");
      }
    }
  }
  return out;
}

}  // namespace

bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  std::size_t j = 0;
  const auto digit = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      std::size_t ei = i;
      std::size_t ej = j;
      while (ei < a.size() && digit(a[ei])) ++ei;
      while (ej < b.size() && digit(b[ej])) ++ej;
      std::size_t si = i;
      std::size_t sj = j;
      while (si + 1 < ei && a[si] == '0') ++si;  // leading zeros do not count
      while (sj + 1 < ej && b[sj] == '0') ++sj;
      if (ei - si != ej - sj) return ei - si < ej - sj;
      const int c = a.compare(si, ei - si, b, sj, ej - sj);
      if (c != 0) return c < 0;
      i = ei;
      j = ej;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  if (a.size() - i != b.size() - j) return a.size() - i < b.size() - j;
  return a < b;  // equal up to leading zeros: any fixed tie-break
}

std::shared_ptr<const WeightFiles> WeightFiles::open(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw InputError("--weights " + dir + ": not a directory");
  }
  auto files = std::shared_ptr<WeightFiles>(new WeightFiles());
  files->dir_ = dir;
  std::filesystem::directory_iterator it(dir, ec);
  for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().extension() == ".safetensors" && it->is_regular_file(type_ec)) {
      files->files_.push_back(it->path().string());
    }
  }
  if (ec) throw InputError("--weights " + dir + ": cannot list it (" + ec.message() + ")");
  if (files->files_.size() < 2) {
    throw InputError("--weights " + dir +
                     ": needs at least 2 *.safetensors files (one per seed), found " +
                     std::to_string(files->files_.size()));
  }
  std::sort(files->files_.begin(), files->files_.end(), natural_less);

  std::vector<PooledMoments> weight_moments;
  std::vector<PooledMoments> bias_moments;
  for (const std::string& path : files->files_) {
    std::vector<io::Tensor> tensors = io::read_safetensors(path);
    const std::vector<WeightFileLayer> layers = layout_of(path, tensors);
    if (path == files->files_.front()) {
      files->layers_ = layers;
      weight_moments.resize(layers.size());
      bias_moments.resize(layers.size());
    } else {
      require_same_layout(path, layers, files->files_.front(), files->layers_);
    }
    const std::vector<LayerValues> values = values_of(path, tensors, layers);
    for (std::size_t l = 0; l < values.size(); ++l) {
      weight_moments[l].add(values[l].weights);
      bias_moments[l].add(values[l].bias);
    }
  }
  const WeightFileLayer& first = files->layers_.front();
  files->arch_ = first.weight_shape.size() == 4 ? Architecture::conv : Architecture::mlp;
  files->kernel_ = files->arch_ == Architecture::conv ? static_cast<int>(first.weight_shape[2]) : 1;
  for (std::size_t l = 0; l < weight_moments.size(); ++l) {
    files->weight_laws_.push_back(weight_moments[l].law());
    files->bias_laws_.push_back(bias_moments[l].law());
  }
  return files;
}

std::vector<std::int64_t> WeightFiles::widths() const {
  std::vector<std::int64_t> out{layers_.front().weight_shape[1]};
  for (const WeightFileLayer& layer : layers_) out.push_back(layer.weight_shape[0]);
  return out;
}

bool WeightFiles::has_bias() const {
  return std::any_of(layers_.begin(), layers_.end(),
                     [](const WeightFileLayer& l) { return !l.bias_tensor.empty(); });
}

const init::WeightLaw& WeightFiles::weight_law(int layer) const {
  return weight_laws_.at(static_cast<std::size_t>(layer));
}

const init::WeightLaw& WeightFiles::bias_law(int layer) const {
  return bias_laws_.at(static_cast<std::size_t>(layer));
}

std::vector<LayerValues> WeightFiles::load(int replicate) const {
  const std::string& path = files_.at(static_cast<std::size_t>(replicate));
  std::vector<io::Tensor> tensors = io::read_safetensors(path);
  const std::vector<WeightFileLayer> layers = layout_of(path, tensors);
  require_same_layout(path + " (changed while it was read)", layers, files_.front(), layers_);
  return values_of(path, tensors, layers);
}

}  // namespace initcheck::model
