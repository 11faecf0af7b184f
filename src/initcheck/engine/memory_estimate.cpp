#include "initcheck/engine/memory_estimate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <vector>

#include "initcheck/engine/detail/tensor_accumulator.hpp"
#include "initcheck/engine/input_data.hpp"
#include "initcheck/engine/trace.hpp"
#include "initcheck/nn/layers.hpp"

namespace initcheck::engine {
namespace {

constexpr double kFloat = sizeof(float);
constexpr double kDouble = sizeof(double);
/// Network processes the batch as at most this many slices (network.cpp, kSlices).
constexpr double kSlices = 2.0;
/// GEMM packing buffers are cache-blocked: at most about this many floats whatever the shape.
constexpr double kMaxGemmPackingFloats = 4.0 * 1024 * 1024;

struct LayerShape {
  double in_units = 0;
  double out_units = 0;
  double weight_rows = 0;
  double weight_cols = 0;
  double out_columns = 0;      ///< batch · output pixels
  double workspace = 0;        ///< conv workspace floats (full batch: backward)
  double slice_workspace = 0;  ///< conv workspace floats of one forward batch slice
  bool activated = true;
};

std::vector<LayerShape> layer_shapes(const model::NetworkConfig& c) {
  const bool conv = c.arch == model::Architecture::conv;
  const bool resnet = c.arch == model::Architecture::resnet;
  const int m = resnet ? c.block_layers : 1;
  const int layers = c.depth() * m;
  const int pad = c.padding < 0 ? c.kernel / 2 : c.padding;
  std::vector<LayerShape> out(static_cast<std::size_t>(std::max(layers, 0)));
  int side = conv ? c.spatial : 1;
  for (int l = 0; l < layers; ++l) {
    LayerShape& s = out[static_cast<std::size_t>(l)];
    const auto unit = static_cast<std::size_t>(resnet ? l / m : l);
    s.in_units = static_cast<double>(c.widths[unit]);
    s.out_units = static_cast<double>(c.widths[unit + (resnet ? 0U : 1U)]);
    s.activated = !(resnet && l % m == m - 1);
    s.weight_rows = s.out_units;
    s.weight_cols = s.in_units;
    double pixels = 1.0;
    if (conv) {
      nn::Conv2dShape shape;
      shape.in_channels = c.widths[unit];
      shape.out_channels = c.widths[unit + 1];
      shape.kernel = c.kernel;
      shape.stride = c.stride;
      shape.padding = pad;
      shape.groups = c.groups;
      shape.height = side;
      shape.width = side;
      shape.batch = c.batch;
      s.workspace = static_cast<double>(shape.workspace_size());
      shape.batch = (c.batch + 1) / 2;  // network.cpp: the batch runs as two slices
      s.slice_workspace = static_cast<double>(shape.workspace_size());
      s.weight_cols = s.in_units / std::max(c.groups, 1) * c.kernel * c.kernel;
      side = shape.out_height();
      pixels = static_cast<double>(side) * side;
    }
    s.out_columns = static_cast<double>(c.batch) * pixels;
  }
  return out;
}

/// False for schemes drawn through a QR decomposition in double (orthogonal).
bool independent_entries(const model::NetworkConfig& c) {
  try {
    return c.init->weight_law(dense_fan(c.widths[0], c.widths[1])).independent_entries;
  } catch (const std::exception&) {
    return true;
  }
}

}  // namespace

MemoryEstimate estimate_memory(const model::NetworkConfig& c, const TraceOptions& o) {
  const std::vector<LayerShape> layers = layer_shapes(c);
  const bool conv = c.arch == model::Architecture::conv;
  const bool resnet = c.arch == model::Architecture::resnet;
  const bool norm = c.norm != model::Norm::none;
  const bool keep = o.backward;
  const double batch = static_cast<double>(c.batch);
  const double n0 = static_cast<double>(c.widths.front());
  const double input_floats = n0 * batch * (conv ? static_cast<double>(c.spatial) * c.spatial : 1);

  double weights = 0;
  double biases = 0;
  double max_out = 0;
  double kept = 0;  // every layer's stored tensors (backward keeps them)
  double grads = 0;
  double workspace = 0;
  double slice_workspace = 0;
  double accumulator_rows = n0;
  double norm_stats = 0;
  double gemm = 0;
  double largest_weight = 0;
  for (const LayerShape& s : layers) {
    const double w = s.weight_rows * s.weight_cols;
    weights += w;
    largest_weight = std::max(largest_weight, w);
    biases += c.init->has_bias() ? s.out_units : 0;
    const double out = s.out_units * s.out_columns;
    max_out = std::max(max_out, out);
    kept += out * (1.0 + (norm ? 1.0 : 0.0) + (s.activated ? 1.0 : 0.0));
    grads += out;
    workspace = std::max(workspace, s.workspace);
    slice_workspace = std::max(slice_workspace, s.slice_workspace);
    accumulator_rows += s.out_units * (1.0 + (norm ? 1.0 : 0.0) + (s.activated ? 1.0 : 0.0));
    if (c.norm == model::Norm::batchnorm) norm_stats += 2 * s.out_units;
    if (c.norm == model::Norm::layernorm) norm_stats += 2 * batch;
    // Packing: op(a) rows × k plus k × op(b) columns, forward and (with backward) both products.
    // Conv multiplies one im2col chunk (workspace columns) at a time.
    const double k = s.weight_cols;
    const double n = conv ? std::min(s.out_columns, s.slice_workspace / k) : s.out_columns;
    double pack = k * (s.out_units + n);
    if (keep) pack = std::max({pack, n * (s.out_units + k), s.out_units * (k + n)});
    gemm = std::max(gemm, std::min(pack, kMaxGemmPackingFloats));
  }
  if (resnet) {
    const double stream = n0 * batch;
    kept += stream * c.depth();
    accumulator_rows += n0 * c.depth();
  }

  double arena = input_floats;  // x0
  arena += keep ? kept : max_out * (norm ? 4.0 : 3.0);
  double floats = weights + biases + arena + norm_stats;
  floats += std::min(batch, kSlices) * slice_workspace;  // conv: one per forward batch slice
  floats += input_floats;                                // the replicate's input batch
  if (o.gram) floats += batch * batch;
  if (keep) {
    floats += grads + input_floats + 2 * max_out + (resnet ? input_floats : 0);  // grad arena
    floats += weights + biases + workspace;  // weight/bias gradients, full-batch workspace
    floats += max_out;                       // the replicate's upstream gradient (output size)
  }
  floats += gemm;
  double bytes = floats * kFloat;
  // Accumulators: row sums and sums of squares per slice and merged.
  bytes += accumulator_rows * 2 * kDouble * (kSlices + 1);
  if (c.input == model::InputKind::dataset_normalized ||
      c.input == model::InputKind::dataset_unnormalized) {
    const double samples = static_cast<double>(
        dataset_size(c.widths.front(), static_cast<std::int64_t>(input_floats / n0)));
    const double columns = input_floats / n0;
    bytes += (n0 + 4) * samples * kDouble + samples * sizeof(std::int64_t);  // dataset, factors
    bytes += (2 * n0 * columns + 4 * n0 * n0) * kDouble;  // batch copies, correlation, Cholesky
  }
  if (!layers.empty() && !independent_entries(c)) {
    bytes += 3 * largest_weight * kDouble;  // orthogonal: Gaussian matrix, its QR and Q (double)
  }

  MemoryEstimate e;
  e.network = bytes;
  const double per_sample = o.per_sample_norms ? batch : 0.0;
  const double units = std::max(o.dominance_units, 0);
  e.trace = sizeof(Trace) + 2 * per_sample * kDouble +
            static_cast<double>(layers.size()) *
                (sizeof(LayerTrace) + (2 * per_sample + units) * kDouble) +
            (resnet ? c.depth() * static_cast<double>(sizeof(BlockTrace)) : 0.0);
  return e;
}

double replicates_bytes(const MemoryEstimate& e, int replicates, int threads) {
  const int workers = std::clamp(threads, 1, std::max(replicates, 1));
  return workers * e.network + std::max(replicates, 0) * e.trace;
}

std::string format_bytes(double bytes) {
  static constexpr std::array<const char*, 6> kUnits = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  std::size_t unit = 0;
  while (unit + 1 < kUnits.size() && bytes >= 1024.0) {
    bytes /= 1024.0;
    ++unit;
  }
  std::array<char, 32> buf{};
  const char* format = unit == 0 || bytes >= 99.95 ? "%.0f %s"
                       : bytes >= 9.995            ? "%.1f %s"
                                                   : "%.2f %s";
  std::snprintf(buf.data(), buf.size(), format, bytes, kUnits[unit]);
  return buf.data();
}

}  // namespace initcheck::engine
