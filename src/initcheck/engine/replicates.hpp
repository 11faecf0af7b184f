#pragma once
/// Running a configuration: one network, or many independent replicates in parallel.
///
/// Streams (all splits of the replicate engine `rep`, itself Engine(seed).split(r) for
/// replicate r): weights of layer l = rep.split(l), bias of layer l = rep.split(kBiasStream + l),
/// input batch = rep.split(kInputStream), upstream gradient = rep.split(kUpstreamStream).

#include <cstdint>
#include <vector>

#include "initcheck/engine/network.hpp"

namespace initcheck::engine {

/// Builds the network of `config` with weights from `replicate`, draws the input (and the
/// standard-normal upstream gradient r when options.backward), and runs forward (+ backward).
Trace run_network(const model::NetworkConfig& config, const TraceOptions& options,
                  const rng::Engine& replicate);

/// Runs replicates 0 … replicates−1 (replicate r uses Engine(seed).split(r)) on `threads`
/// threads (each network single-threaded inside; options.threads is ignored). Result r is
/// written at index r, so the output is identical for any thread count. With
/// config.given_weights, replicate r's weights are file r's (run_network draws them anyway).
std::vector<Trace> run_replicates(const model::NetworkConfig& config, const TraceOptions& options,
                                  std::uint64_t seed, int replicates, int threads);
/// Replicates first … first+replicates−1 (a continuation of the sequence above).
std::vector<Trace> run_replicates(const model::NetworkConfig& config, const TraceOptions& options,
                                  std::uint64_t seed, int first, int replicates, int threads);

/// The replicates above plus, on each replicate's weights (copied, not redrawn), a forward pass
/// of `pair_config` — the same layers with its own batch — under `pair_options` (pair_cosines),
/// its input drawn from the replicate's split(kPairInputStream): `pairs[r]` is replicate r's pair
/// run. Throws std::invalid_argument when pair_config's weight or bias shapes differ.
struct ReplicatesWithPairs {
  std::vector<Trace> traces;
  std::vector<Trace> pairs;
};
ReplicatesWithPairs run_replicates_with_pairs(const model::NetworkConfig& config,
                                              const TraceOptions& options,
                                              const model::NetworkConfig& pair_config,
                                              const TraceOptions& pair_options, std::uint64_t seed,
                                              int first, int replicates, int threads);

}  // namespace initcheck::engine
