#pragma once
/// Memory a run of the engine will allocate, estimated from the configuration before anything
/// is allocated, so a check that cannot fit is refused up front instead of exhausting the
/// machine (README, "Exit codes and limits").

#include <string>

#include "initcheck/engine/trace_options.hpp"
#include "initcheck/model/network_config.hpp"

namespace initcheck::engine {

/// Bytes, from Network's allocation plan (engine/detail/network_layout.hpp) and the buffers
/// sized from it.
struct MemoryEstimate {
  /// One Network: weights and biases, the activation arena (every layer's z, y, h when the
  /// backward pass keeps them, else a few shared buffers), gradients and their arena, conv
  /// workspaces, statistics accumulators; plus its worker thread's per-replicate buffers (input
  /// batch, dataset, upstream gradient, GEMM packing arena, orthogonal-init QR scratch).
  double network = 0.0;
  /// One replicate's Trace (per-layer records, per-sample norms).
  double trace = 0.0;
};

MemoryEstimate estimate_memory(const model::NetworkConfig& config, const TraceOptions& options);

/// run_replicates with `threads` workers keeping `replicates` traces: one network per worker
/// (at most one per replicate) plus every trace.
double replicates_bytes(const MemoryEstimate& estimate, int replicates, int threads);

/// `bytes` for messages: "42.1 GiB", "512 MiB", "900 B" (1024-based units, 3 significant
/// digits), the units --max-memory reads.
std::string format_bytes(double bytes);

}  // namespace initcheck::engine
