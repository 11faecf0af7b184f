#include "initcheck/rng/distributions.hpp"

#include <cmath>
#include <numbers>

#include "initcheck/core/error.hpp"

namespace initcheck::rng {
namespace {

/// Uniform on (0, 1]: safe for log.
double uniform_open_closed(Engine& engine) {
  return 1.0 - uniform01(engine);
}

/// One Box–Muller pair.
void normal_pair(Engine& engine, double& z0, double& z1) {
  const double radius = std::sqrt(-2.0 * std::log(uniform_open_closed(engine)));
  const double angle = 2.0 * std::numbers::pi * uniform01(engine);
  z0 = radius * std::cos(angle);
  z1 = radius * std::sin(angle);
}

template <typename T>
void fill_normal_impl(Engine& engine, std::span<T> out, double mean, double std) {
  std::size_t i = 0;
  double z0 = 0.0;
  double z1 = 0.0;
  for (; i + 1 < out.size(); i += 2) {
    normal_pair(engine, z0, z1);
    out[i] = static_cast<T>(mean + std * z0);
    out[i + 1] = static_cast<T>(mean + std * z1);
  }
  if (i < out.size()) {
    normal_pair(engine, z0, z1);
    out[i] = static_cast<T>(mean + std * z0);
  }
}

}  // namespace

double uniform01(Engine& engine) {
  return static_cast<double>(engine.next_u64() >> 11U) * 0x1.0p-53;
}

double standard_normal(Engine& engine) {
  double z0 = 0.0;
  double z1 = 0.0;
  normal_pair(engine, z0, z1);
  return z0;
}

void fill_normal(Engine& engine, std::span<float> out, double mean, double std) {
  fill_normal_impl(engine, out, mean, std);
}

void fill_normal(Engine& engine, std::span<double> out, double mean, double std) {
  fill_normal_impl(engine, out, mean, std);
}

void fill_uniform(Engine& engine, std::span<float> out, double low, double high) {
  for (float& x : out) x = static_cast<float>(low + (high - low) * uniform01(engine));
}

void fill_truncated_normal(Engine& engine, std::span<float> out, double std, double cut) {
  if (!(cut > 0.0) || !std::isfinite(cut)) {
    throw InputError("truncated normal cut must be a positive finite number");
  }
  // Normal proposals accept with probability 2Φ(c) − 1 (≥ 0.38 for c ≥ 0.5); for narrower cuts
  // a uniform proposal on [−c, c] accepted with probability exp(−x²/2) ≥ exp(−1/8) is faster.
  const bool normal_proposal = cut >= 0.5;
  for (float& x : out) {
    double z = 0.0;
    if (normal_proposal) {
      do {
        z = standard_normal(engine);
      } while (std::abs(z) > cut);
    } else {
      do {
        z = cut * (2.0 * uniform01(engine) - 1.0);
      } while (uniform01(engine) > std::exp(-0.5 * z * z));
    }
    x = static_cast<float>(std * z);
  }
}

}  // namespace initcheck::rng
