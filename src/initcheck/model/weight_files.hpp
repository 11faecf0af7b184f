#pragma once
/// A directory of initialized weights, one safetensors file per seed (`check --weights DIR`,
/// written e.g. by scripts/export_init.py): file r is replicate r. The layers are read off the
/// tensor names and shapes; the engine loads file r's values for replicate r and the theory gets
/// each layer's law pooled over the files.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "initcheck/init/init_scheme.hpp"
#include "initcheck/model/network_config.hpp"

namespace initcheck::model {

/// One weight layer as the files hold it: `<key>.weight` of shape [out, in] (Linear) or
/// [out, in, k, k] (Conv2d), and optionally `<key>.bias` of shape [out].
struct WeightFileLayer {
  std::string weight_tensor;
  std::string bias_tensor;  ///< empty when the layer has no bias
  std::vector<std::int64_t> weight_shape;
};

/// One layer's values of one file: weights row-major [out, in·k·k] (one output unit per row,
/// conv OIHW flattened, as NetworkConfig lays them out) and the bias (empty without one).
struct LayerValues {
  std::vector<float> weights;
  std::vector<float> bias;
};

class WeightFiles {
 public:
  /// Reads every `*.safetensors` file of `dir` (other entries are ignored), in natural name
  /// order (`seed_2` before `seed_10`). Layers: the tensors named `X.weight` in natural order
  /// (`0.weight` < `2.weight` < `10.weight`), each with its `X.bias` when present. Throws
  /// InputError naming the file and tensor when: fewer than 2 files; a tensor is neither a
  /// weight nor a bias, or a bias has no weight or a shape other than [out]; a weight is not 2-D
  /// or 4-D with a square kernel (at most 15), or 2-D and 4-D are mixed, or kernels differ; the
  /// layers do not chain (in of layer l ≠ out of layer l−1); a width is outside [1, 65536]; a
  /// value is not finite; or a file's tensors or shapes differ from the first file's.
  static std::shared_ptr<const WeightFiles> open(const std::string& dir);

  [[nodiscard]] const std::string& directory() const { return dir_; }
  /// The files, in replicate order.
  [[nodiscard]] const std::vector<std::string>& files() const { return files_; }
  [[nodiscard]] int replicates() const { return static_cast<int>(files_.size()); }
  [[nodiscard]] const std::vector<WeightFileLayer>& layers() const { return layers_; }
  /// mlp (2-D weights) or conv (4-D).
  [[nodiscard]] Architecture arch() const { return arch_; }
  /// Conv kernel size (1 for mlp).
  [[nodiscard]] int kernel() const { return kernel_; }
  /// n0 (the first layer's inputs), then each layer's outputs.
  [[nodiscard]] std::vector<std::int64_t> widths() const;
  /// True when some layer has a bias (the others then get a zero bias).
  [[nodiscard]] bool has_bias() const;
  /// Layer l's law pooled over every file's entries (mean, variance, kurtosis, largest |w − mean|).
  [[nodiscard]] const init::WeightLaw& weight_law(int layer) const;
  /// The pooled law of layer l's bias (all zero without one).
  [[nodiscard]] const init::WeightLaw& bias_law(int layer) const;
  /// Replicate r's values, layer by layer (file r read again; InputError if it changed since).
  [[nodiscard]] std::vector<LayerValues> load(int replicate) const;

 private:
  WeightFiles() = default;
  std::string dir_;
  std::vector<std::string> files_;
  std::vector<WeightFileLayer> layers_;
  Architecture arch_ = Architecture::mlp;
  int kernel_ = 1;
  std::vector<init::WeightLaw> weight_laws_;
  std::vector<init::WeightLaw> bias_laws_;
};

/// Natural order of names: digit runs compare as numbers (`2.weight` < `10.weight`).
bool natural_less(const std::string& a, const std::string& b);

}  // namespace initcheck::model
