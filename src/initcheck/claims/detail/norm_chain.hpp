#pragma once
/// The exact single-input norm chain of a Gaussian MLP: one network's ½·log(M_L/M_0) in O(L)
/// draws whatever the width, for the `drift` claim.
///
/// Model. Dense layers z_l = W_l·h_{l−1}, h_l = φ(z_l) with φ(x) = x (x > 0), a·x (x ≤ 0) (relu
/// a = 0, leaky_relu(a), linear: φ = id), no bias, no normalization, W_l with iid N(0, σ_l²)
/// entries. Given h_{l−1} the z_i are iid N(0, σ_l²‖h_{l−1}‖²), so their signs are independent
/// of their magnitudes: B_l = #{z_i > 0} ~ Bin(n_l, ½) and, given B_l,
///   ‖h_l‖² = σ_l²‖h_{l−1}‖²·(χ²_{B_l} + a²·χ²_{n_l − B_l})   (linear: σ_l²‖h_{l−1}‖²·χ²_{n_l}),
/// with the χ² variables independent of each other and of the past. With M_l = ‖h_l‖²/n_l:
///   M_L/M_0 = Π_l (σ_l²·n_{l−1}/n_l)·X_l,  X_l = χ²_{B_l} + a²·χ²_{n_l − B_l},
/// exactly, and independent of the input (rotation invariance of the Gaussian rows).
/// The engine stores activations in fp32; the chain is exact real arithmetic. The two differ
/// by fp32 rounding (relative ~1e-6 per layer, immaterial to |log| > log K) except where fp32
/// overflows or underflows, and those networks leave any band [1/K, K] with K < 10¹⁸ either way.

#include <cstdint>
#include <span>
#include <vector>

#include "initcheck/model/network_config.hpp"

namespace initcheck::claims::detail {

/// True when the chain is exact for `config`: mlp, no normalization, fp32, no bias (or a zero
/// bias), relu / leaky_relu / linear, every layer's weight law independent entries with mean 0,
/// unbounded support and kurtosis 3 within 1e-9 (the Gaussian schemes), finite variance.
bool norm_chain_applies(const model::NetworkConfig& config);

/// True when `drift` is decided from the norm chain (norm_chain_applies) instead of engine
/// networks: the sample planner need not run extra drift networks for such a config.
bool drift_uses_norm_chain(const model::NetworkConfig& config);

/// The per-layer constants of the chain.
struct NormChain {
  std::vector<std::uint64_t> widths;  ///< n_1..n_L
  std::vector<double> scale;          ///< σ_l²·n_{l−1}/n_l
  double slope_sq = 0.0;              ///< a² (relu 0)
  bool linear = false;                ///< φ = id: X_l = χ²_{n_l}, no sign draw
};

/// The chain of `config`. Throws InputError unless norm_chain_applies(config).
NormChain make_norm_chain(const model::NetworkConfig& config);

/// ½·log(M_L/M_0) (= log std_L/std_0) of network `index`: a pure function of (seed, index),
/// drawn from rng::Engine(seed).split(index): per layer B_l (rng::binomial_half; not for
/// linear), then χ²_{B_l}, then χ²_{n_l−B_l} when a ≠ 0. −inf when a layer's output is exactly 0
/// (relu with B_l = 0), +inf on double overflow.
double norm_chain_log_std_ratio(const NormChain& chain, std::uint64_t seed, std::uint64_t index);

/// out[i] = norm_chain_log_std_ratio(chain, seed, first + i), on `threads` threads (≤ 0: all
/// cores); the values do not depend on the thread count.
void sample_norm_chain(const NormChain& chain, std::uint64_t seed, std::uint64_t first,
                       std::span<double> out, int threads);

}  // namespace initcheck::claims::detail
