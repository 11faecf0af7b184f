#pragma once
// Writes the weights the engine draws for replicates 0..R−1 of a configuration (seed `seed`) as
// one safetensors file per replicate, named like a torch nn.Sequential with an activation
// between layers (`0.weight`, `2.weight`, …, `18.weight`: natural order differs from byte
// order from layer 6 on). `check --weights` on these files must then run exactly the networks
// `check --init` runs (engine and CLI tests).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "initcheck/engine/network.hpp"
#include "initcheck/io/safetensors.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::engine::testing {

/// Writes DIR/seed_<r>.safetensors for r < replicates (DIR created, old files removed).
inline void write_scheme_weight_files(const model::NetworkConfig& config, std::uint64_t seed,
                                      int replicates, const std::string& dir) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  Network net(config, TraceOptions{}, rng::Engine(seed));
  for (int r = 0; r < replicates; ++r) {
    net.init_weights(rng::Engine(seed).split(static_cast<std::uint64_t>(r)));
    std::vector<io::Tensor> tensors;
    for (int l = 0; l < net.num_layers(); ++l) {
      const Eigen::MatrixXf& w = net.weights(l);
      const std::string key = std::to_string(2 * l);
      std::vector<std::int64_t> shape{w.rows(), config.widths[static_cast<std::size_t>(l)]};
      if (config.arch == model::Architecture::conv) {
        shape.insert(shape.end(), {config.kernel, config.kernel});
      }
      io::Tensor& t = tensors.emplace_back(io::Tensor{key + ".weight", shape, {}});
      for (Eigen::Index i = 0; i < w.rows(); ++i) {
        for (Eigen::Index j = 0; j < w.cols(); ++j) t.values.push_back(w(i, j));
      }
      const Eigen::VectorXf& b = net.bias(l);
      if (b.size() > 0) {
        tensors.push_back(io::Tensor{key + ".bias", {b.size()}, {b.data(), b.data() + b.size()}});
      }
    }
    io::write_safetensors(dir + "/seed_" + std::to_string(r) + ".safetensors", tensors);
  }
}

}  // namespace initcheck::engine::testing
