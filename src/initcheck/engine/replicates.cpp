#include "initcheck/engine/replicates.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>

#include "initcheck/core/error.hpp"
#include "initcheck/engine/input_data.hpp"
#include "initcheck/model/weight_files.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::engine {
namespace {

/// A pair run's forward pass: make_input's batch with its samples mixed into pairs.
void pair_forward(Network& net, rng::Engine& input_engine, Trace& trace) {
  Eigen::MatrixXf input = make_input(net.config(), input_engine);
  mix_input_pairs(input, input.cols() / net.config().batch, net.options().pair_input_correlation);
  net.forward(input, trace);
}

/// Overwrites the weights and biases of `net` with replicate `index`'s given weights
/// (NetworkConfig::given_weights; a layer without a bias in the files gets zeros).
void load_given_weights(Network& net, int index) {
  const std::vector<model::LayerValues> values = net.config().given_weights->load(index);
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  for (int l = 0; l < net.num_layers(); ++l) {
    const model::LayerValues& v = values.at(static_cast<std::size_t>(l));
    Eigen::MatrixXf& w = net.weights(l);
    Eigen::VectorXf& b = net.bias(l);
    if (static_cast<Eigen::Index>(v.weights.size()) != w.size() ||
        (!v.bias.empty() && static_cast<Eigen::Index>(v.bias.size()) != b.size())) {
      throw std::logic_error("given weights do not match the network's layer " + std::to_string(l));
    }
    w = Eigen::Map<const RowMajor>(v.weights.data(), w.rows(), w.cols());
    if (v.bias.empty()) {
      b.setZero();
    } else {
      b = Eigen::Map<const Eigen::VectorXf>(v.bias.data(), b.size());
    }
  }
}

/// Runs replicate `index` on an existing network (weights redrawn, or loaded when given).
void run_on(Network& net, const rng::Engine& replicate, int index, Trace& trace, bool redraw) {
  if (redraw && net.config().given_weights) {
    load_given_weights(net, index);
  } else if (redraw) {
    net.init_weights(replicate);
  }
  rng::Engine input_engine = replicate.split(kInputStream);
  const model::InputKind kind = net.config().input;
  // Transformers record token cosines on their ordinary input (no pairs to mix).
  if (net.options().pair_cosines && net.config().arch != model::Architecture::transformer) {
    pair_forward(net, input_engine, trace);
  } else if (kind == model::InputKind::dataset_normalized ||
             kind == model::InputKind::dataset_unnormalized) {
    // make_input's batch (same engine, same values) plus its statistics against the dataset,
    // which exists only while the batch is drawn.
    const DatasetBatch input = draw_dataset_input(net.config(), input_engine);
    net.forward(input.batch, trace);
    trace.input_batch = input.stats;
  } else {
    net.forward(make_input(net.config(), input_engine), trace);
  }
  if (net.options().backward) {
    Eigen::MatrixXf upstream(net.output_rows(), net.output_cols());
    rng::Engine up = replicate.split(kUpstreamStream);
    rng::fill_normal(up,
                     std::span<float>(upstream.data(), static_cast<std::size_t>(upstream.size())));
    net.backward(upstream, trace);
  }
}

/// Copies every weight matrix and bias of `from` into `to` (same shapes; no allocation).
void copy_parameters(Network& from, Network& to) {
  if (from.num_layers() != to.num_layers()) {
    throw std::invalid_argument("pair run: the pair network has other layers");
  }
  for (int l = 0; l < from.num_layers(); ++l) {
    const Eigen::MatrixXf& w = from.weights(l);
    const Eigen::VectorXf& b = from.bias(l);
    if (w.rows() != to.weights(l).rows() || w.cols() != to.weights(l).cols() ||
        b.size() != to.bias(l).size()) {
      throw std::invalid_argument("pair run: the pair network's parameter shapes differ");
    }
    to.weights(l) = w;
    to.bias(l) = b;
  }
}

/// run_replicates, and with `pairs` also each replicate's pair run (run_replicates_with_pairs).
ReplicatesWithPairs run_all(const model::NetworkConfig& config, const TraceOptions& options,
                            const model::NetworkConfig* pair_config,
                            const TraceOptions* pair_options, std::uint64_t seed, int first,
                            int replicates, int threads) {
  if (replicates < 0 || first < 0) throw InputError("number of replicates must be >= 0");
  config.validate();
  const bool with_pairs = pair_config != nullptr;
  ReplicatesWithPairs out;
  out.traces.resize(static_cast<std::size_t>(replicates));
  if (with_pairs) out.pairs.resize(static_cast<std::size_t>(replicates));
  TraceOptions single = options;
  single.threads = 1;
  const rng::Engine root(seed);
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    try {
      Network net(config, single, root);  // weights redrawn per replicate
      std::optional<Network> pair_net;    // weights copied from `net` per replicate
      if (with_pairs) {
        TraceOptions pair_single = *pair_options;
        pair_single.threads = 1;
        pair_net.emplace(*pair_config, pair_single, root);
      }
      for (int r = next.fetch_add(1); r < replicates; r = next.fetch_add(1)) {
        const auto ur = static_cast<std::size_t>(r);
        const rng::Engine replicate = root.split(static_cast<std::uint64_t>(first + r));
        run_on(net, replicate, first + r, out.traces[ur], true);
        out.traces[ur].replicate = first + r;
        if (!with_pairs) continue;
        copy_parameters(net, *pair_net);
        rng::Engine input_engine = replicate.split(kPairInputStream);
        pair_forward(*pair_net, input_engine, out.pairs[ur]);
        out.pairs[ur].replicate = first + r;
      }
    } catch (...) {
      const std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      next.store(replicates);
    }
  };
  const int n = std::clamp(threads, 1, std::max(replicates, 1));
  if (n == 1) {
    worker();
  } else {
    std::vector<std::jthread> pool;
    pool.reserve(static_cast<std::size_t>(n - 1));
    for (int t = 1; t < n; ++t) pool.emplace_back(worker);
    worker();
  }  // jthreads join here
  if (error) std::rethrow_exception(error);
  return out;
}

}  // namespace

Trace run_network(const model::NetworkConfig& config, const TraceOptions& options,
                  const rng::Engine& replicate) {
  Network net(config, options, replicate);
  Trace trace;
  run_on(net, replicate, 0, trace, false);
  return trace;
}

std::vector<Trace> run_replicates(const model::NetworkConfig& config, const TraceOptions& options,
                                  std::uint64_t seed, int replicates, int threads) {
  return run_replicates(config, options, seed, 0, replicates, threads);
}

std::vector<Trace> run_replicates(const model::NetworkConfig& config, const TraceOptions& options,
                                  std::uint64_t seed, int first, int replicates, int threads) {
  return run_all(config, options, nullptr, nullptr, seed, first, replicates, threads).traces;
}

ReplicatesWithPairs run_replicates_with_pairs(const model::NetworkConfig& config,
                                              const TraceOptions& options,
                                              const model::NetworkConfig& pair_config,
                                              const TraceOptions& pair_options, std::uint64_t seed,
                                              int first, int replicates, int threads) {
  return run_all(config, options, &pair_config, &pair_options, seed, first, replicates, threads);
}

}  // namespace initcheck::engine
