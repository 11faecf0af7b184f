#pragma once
/// The samplers' own elementary functions (library-internal: the samplers and the drift norm
/// chain use them; exposed for tests): log, sincos and the Box–Muller pair of one Philox block,
/// in plain IEEE double arithmetic with explicit fma and no libm call, so every platform produces
/// the same bits. The definitions live in distributions.cpp (compiled with -ffp-contract=off),
/// where the bulk loops inline and vectorize them.

#include <array>
#include <cstdint>

namespace initcheck::rng::detail {

/// ln x for positive normal finite x (the samplers use x ∈ [2⁻⁵³, 1]). Writes x = 2ᵉ·m with
/// m ∈ [√½, √2) and ln m = 2·atanh(s) = 2·Σ s²ᵏ⁺¹/(2k+1), s = (m−1)/(m+1), |s| ≤ 3 − 2√2,
/// summed through s¹⁹; ln x = e·ln2 (split hi/lo) + ln m. Truncation ≤ s²⁰/(21(1 − s²)) ≤ 3e-17
/// relative; measured max relative error vs long-double std::log 2.9e-16 (asserted ≤ 1e-15).
double log_portable(double x);

/// eˣ for finite x (NaN propagates; x > 709.79 gives +inf, x < −745.2 gives 0, subnormal
/// results in between). x = k·ln2 + r with k = ⌊x/ln2 + ½⌋ and r = (x − k·ln2hi) − k·ln2lo,
/// |r| ≤ 0.35; eʳ by its Taylor series through r¹⁴ (truncation ≤ 0.35¹⁵/15! ≈ 1.2e-19
/// relative), then scaled by 2ᵏ through the exponent bits.
double exp_portable(double x);

struct SinCos {
  double sin = 0.0;
  double cos = 0.0;
};

/// sin t and cos t for |t| ≤ π/4 by their Taylor series through t¹⁵ and t¹⁶ (truncation
/// ≤ (π/4)¹⁶/17! ≈ 6e-17 and (π/4)¹⁸/(18!·cos(π/4)) ≈ 3e-18 relative). Measured max relative
/// error vs long-double std::sin/std::cos 1.5e-16 / 1.4e-16 (asserted ≤ 1e-15).
SinCos sincos_reduced(double t);

struct NormalPair {
  double z0 = 0.0;
  double z1 = 0.0;
};

/// The Box–Muller pair drawn from one Philox block w = (w0, w1, w2, w3):
///   u = (K + 1)·2⁻⁵³ ∈ [2⁻⁵³, 1] with K the top 53 bits of w0:w1 (so max r = √(106·ln2) ≈ 8.57),
///   r = √(−2·ln u); q = w2 >> 30 (quadrant), t = (f − ½)·π/2 with f the next 52 bits of w2:w3;
///   θ = q·π/2 + t uniform on the circle; (z0, z1) = (r·cos θ, r·sin θ).
/// Measured |z − z_exact| ≤ 3.3e-16·r against a long-double Box–Muller of the same bits.
NormalPair normal_pair(const std::array<std::uint32_t, 4>& block);

}  // namespace initcheck::rng::detail
