#include "initcheck/engine/memory_estimate.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <vector>

#include "initcheck/engine/detail/network_layout.hpp"
#include "initcheck/engine/input_data.hpp"
#include "initcheck/engine/trace.hpp"

namespace initcheck::engine {
namespace {

constexpr double kFloat = sizeof(float);
constexpr double kDouble = sizeof(double);
/// GEMM packing buffers are cache-blocked: at most about this many floats whatever the shape.
constexpr double kMaxGemmPackingFloats = 4.0 * 1024 * 1024;

double floats(const detail::Slot& s) {
  return static_cast<double>(s.rows) * static_cast<double>(s.cols);
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
  const detail::NetworkLayout layout(c, o);
  const bool keep = o.backward;
  const double batch = static_cast<double>(c.batch);
  const double n0 = static_cast<double>(c.widths.front());
  const double input_floats = floats(layout.x0);

  double weights = 0;
  double biases = 0;
  double norm_stats = 0;
  double gemm = 0;
  double largest_weight = 0;
  for (const detail::LayerLayout& li : layout.layers) {
    const double w = static_cast<double>(li.fan.rows()) * static_cast<double>(li.fan.cols());
    weights += w;
    largest_weight = std::max(largest_weight, w);
    const auto out_units = static_cast<double>(li.out_units);
    biases += c.init->has_bias() ? out_units : 0;
    if (c.layer_norm() == model::Norm::batchnorm) norm_stats += 2 * out_units;
    if (c.layer_norm() == model::Norm::layernorm || c.layer_norm() == model::Norm::rmsnorm) {
      norm_stats += 2 * batch;
    }
    // Packing: op(a) rows × k plus k × op(b) columns, forward and (with backward) both products.
    // Conv multiplies one im2col chunk (workspace columns) at a time.
    const auto k = static_cast<double>(li.fan.cols());
    const double columns = static_cast<double>(li.z.cols);
    double chunk = columns;
    if (layout.is_conv) {
      Eigen::Index slice_workspace = 0;
      for (int s = 0; s < layout.slices; ++s) {
        slice_workspace = std::max(slice_workspace, li.conv_slice[s].workspace_size());
      }
      chunk = std::min(columns, static_cast<double>(slice_workspace) / k);
    }
    double pack = k * (out_units + chunk);
    if (keep) pack = std::max({pack, chunk * (out_units + k), out_units * (k + chunk)});
    gemm = std::max(gemm, std::min(pack, kMaxGemmPackingFloats));
  }

  if (c.stream_norm() != model::Norm::none) norm_stats += 2 * batch * layout.num_blocks;
  double total = weights + biases + static_cast<double>(layout.arena_floats) + norm_stats;
  for (int s = 0; s < layout.slices; ++s) {
    total += static_cast<double>(layout.slice_workspace[s]);  // conv: one per batch slice
  }
  total += input_floats;  // the replicate's input batch
  if (o.gram) total += batch * batch;
  if (keep) {
    total += static_cast<double>(layout.grad_arena_floats);
    total += weights + biases + static_cast<double>(layout.workspace);  // ∂W, ∂b, workspace
    total += floats(layout.output());  // the replicate's upstream gradient
  }
  total += gemm;
  if (layout.is_transformer) {  // block tensor sets and workspaces (transformer_pass.cpp)
    total += static_cast<double>(layout.block_tensor_floats) * layout.block_tensor_sets +
             static_cast<double>(layout.block_forward_workspace) * layout.slices +
             static_cast<double>(layout.block_backward_workspace);
  }
  double bytes = total * kFloat;
  // Accumulators: row sums and sums of squares per slice and merged.
  double accumulator_rows = 0;
  for (const Eigen::Index rows : layout.acc_rows) accumulator_rows += static_cast<double>(rows);
  bytes += accumulator_rows * 2 * kDouble * (detail::kSlices + 1);
  if (c.input == model::InputKind::dataset_normalized ||
      c.input == model::InputKind::dataset_unnormalized) {
    const double samples = static_cast<double>(
        dataset_size(c.widths.front(), static_cast<std::int64_t>(input_floats / n0)));
    const double columns = input_floats / n0;
    bytes += (n0 + 4) * samples * kDouble + samples * sizeof(std::int64_t);  // dataset, factors
    bytes += (2 * n0 * columns + 4 * n0 * n0) * kDouble;  // batch copies, correlation, Cholesky
  }
  if (!layout.layers.empty() && !independent_entries(c)) {
    bytes += 3 * largest_weight * kDouble;  // orthogonal: Gaussian matrix, its QR and Q (double)
  }

  MemoryEstimate e;
  e.network = bytes;
  const double per_sample = o.per_sample_norms ? batch : 0.0;
  const double units = std::max(o.dominance_units, 0);
  e.trace = sizeof(Trace) + 2 * per_sample * kDouble +
            static_cast<double>(layout.layers.size()) *
                (sizeof(LayerTrace) + (2 * per_sample + units) * kDouble) +
            (layout.is_resnet ? c.depth() * static_cast<double>(sizeof(BlockTrace)) : 0.0) +
            (layout.is_transformer
                 ? c.depth() * static_cast<double>(sizeof(BlockTrace) +
                                                   nn::kBlockTensorCount * sizeof(TensorStats))
                 : 0.0);
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
