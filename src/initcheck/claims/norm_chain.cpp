#include "initcheck/claims/detail/norm_chain.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <thread>

#include "initcheck/core/error.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/rng/detail/portable_math.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::claims::detail {
namespace {

/// Kurtosis of a Gaussian law as the schemes declare it (normal_law: 3 exactly); 1e-9 admits
/// rounding in a derived law but no other named distribution (uniform 1.8, truncated normals
/// are bounded, orthogonal is dependent).
constexpr double kGaussianKurtosisTolerance = 1e-9;

/// Why the chain does not apply (empty: it does).
std::string norm_chain_obstacle(const model::NetworkConfig& config) {
  if (config.arch != model::Architecture::mlp) return "not an mlp";
  if (config.norm != model::Norm::none) return "normalization layer";
  if (config.precision != precision::Format::fp32) return "storage format is not fp32";
  if (!config.init) return "no init scheme";
  if (config.depth() < 1) return "depth 0";
  for (const std::int64_t n : config.widths) {
    if (n <= 0) return "non-positive width";
  }
  const nn::Activation& act = config.activation;
  const bool homogeneous = act.kind == nn::ActivationKind::relu ||
                           act.kind == nn::ActivationKind::linear ||
                           (act.kind == nn::ActivationKind::leaky_relu && std::isfinite(act.param));
  if (!homogeneous) return "activation is not relu, leaky_relu or linear";
  for (int l = 0; l < config.depth(); ++l) {
    const FanInfo fan = model::layer_fan(config, l);
    const init::WeightLaw law = config.init->weight_law(fan);
    if (!law.independent_entries || law.mean != 0.0 || std::isfinite(law.support_bound) ||
        !(std::abs(law.kurtosis - 3.0) <= kGaussianKurtosisTolerance) ||
        !(law.variance >= 0.0 && std::isfinite(law.variance))) {
      return "weights are not iid zero-mean Gaussian";
    }
    if (config.init->has_bias()) {
      const init::WeightLaw bias = config.init->bias_law(fan);
      if (bias.mean != 0.0 || bias.variance != 0.0) return "bias";
    }
  }
  return {};
}

}  // namespace

bool norm_chain_applies(const model::NetworkConfig& config) {
  return norm_chain_obstacle(config).empty();
}

bool drift_uses_norm_chain(const model::NetworkConfig& config) {
  return norm_chain_applies(config);
}

NormChain make_norm_chain(const model::NetworkConfig& config) {
  const std::string obstacle = norm_chain_obstacle(config);
  if (!obstacle.empty()) throw InputError("the exact norm chain does not apply: " + obstacle);
  NormChain chain;
  chain.linear = config.activation.kind == nn::ActivationKind::linear;
  if (config.activation.kind == nn::ActivationKind::leaky_relu) {
    chain.slope_sq = config.activation.param * config.activation.param;
  }
  for (int l = 0; l < config.depth(); ++l) {
    const auto n_in = static_cast<double>(config.widths[static_cast<std::size_t>(l)]);
    const std::int64_t n_out = config.widths[static_cast<std::size_t>(l) + 1];
    const double variance = config.init->weight_law(model::layer_fan(config, l)).variance;
    chain.widths.push_back(static_cast<std::uint64_t>(n_out));
    chain.scale.push_back(variance * n_in / static_cast<double>(n_out));
  }
  return chain;
}

double norm_chain_log_std_ratio(const NormChain& chain, std::uint64_t seed, std::uint64_t index) {
  rng::Engine engine = rng::Engine(seed).split(index);
  // M_L/M_0 = mantissa·2^exponent, renormalized by frexp after every layer (exact), so the
  // product neither overflows nor underflows over many layers; one log at the end.
  double mantissa = 1.0;
  std::int64_t exponent = 0;
  for (std::size_t l = 0; l < chain.widths.size(); ++l) {
    const std::uint64_t n = chain.widths[l];
    double x = 0.0;
    if (chain.linear) {
      x = rng::chi_squared(engine, static_cast<double>(n));
    } else {
      const std::uint64_t positive = rng::binomial_half(engine, n);
      x = rng::chi_squared(engine, static_cast<double>(positive));
      if (chain.slope_sq > 0.0) {
        x += chain.slope_sq * rng::chi_squared(engine, static_cast<double>(n - positive));
      }
    }
    mantissa *= chain.scale[l] * x;
    if (mantissa == 0.0) return -std::numeric_limits<double>::infinity();
    if (!std::isfinite(mantissa)) return std::numeric_limits<double>::infinity();
    int e = 0;
    mantissa = std::frexp(mantissa, &e);
    exponent += e;
  }
  return 0.5 *
         (rng::detail::log_portable(mantissa) + static_cast<double>(exponent) * std::numbers::ln2);
}

void sample_norm_chain(const NormChain& chain, std::uint64_t seed, std::uint64_t first,
                       std::span<double> out, int threads) {
  if (threads <= 0) threads = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // Below ~1,000 networks a thread costs more than it saves.
  const std::size_t workers =
      std::clamp<std::size_t>(out.size() / 1000, 1, static_cast<std::size_t>(threads));
  auto run = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      out[i] = norm_chain_log_std_ratio(chain, seed, first + i);
    }
  };
  if (workers == 1) {
    run(0, out.size());
    return;
  }
  std::vector<std::thread> pool;
  const std::size_t per = (out.size() + workers - 1) / workers;
  for (std::size_t w = 0; w < workers; ++w) {
    const std::size_t begin = std::min(out.size(), w * per);
    const std::size_t end = std::min(out.size(), begin + per);
    pool.emplace_back(run, begin, end);
  }
  for (std::thread& t : pool) t.join();
}

}  // namespace initcheck::claims::detail
