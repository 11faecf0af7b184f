#include "initcheck/engine/replicates.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
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
  if (kind == model::InputKind::dataset_normalized ||
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
  if (replicates < 0 || first < 0) throw InputError("number of replicates must be >= 0");
  config.validate();
  std::vector<Trace> traces(static_cast<std::size_t>(replicates));
  TraceOptions single = options;
  single.threads = 1;
  const rng::Engine root(seed);
  std::atomic<int> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto worker = [&] {
    try {
      Network net(config, single, root);  // weights redrawn per replicate
      for (int r = next.fetch_add(1); r < replicates; r = next.fetch_add(1)) {
        Trace& trace = traces[static_cast<std::size_t>(r)];
        run_on(net, root.split(static_cast<std::uint64_t>(first + r)), first + r, trace, true);
        trace.replicate = first + r;
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
  return traces;
}

}  // namespace initcheck::engine
