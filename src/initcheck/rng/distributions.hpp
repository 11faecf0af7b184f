#pragma once
/// Portable samplers written in the project (never std::*_distribution, whose output differs
/// between standard libraries, and no libm call: log/sin/cos are the project's own polynomials,
/// see detail/portable_math.hpp). Bit-identical for a given engine state on every platform and
/// thread count (the module is compiled without implicit FMA contraction).
///
/// Bulk algorithm: Philox blocks for up to 128 consecutive counters are generated in one
/// vectorized loop (Engine::next_blocks) into a stack buffer, then turned into values by a
/// second vectorized loop; no heap allocation. Block use (each fill first skips the unread words
/// of a partly consumed block, then takes whole blocks in order):
/// - normal: block j gives the Box–Muller pair (values 2j, 2j+1; detail::normal_pair) from a
///   53-bit u ∈ [2⁻⁵³, 1] (|z| up to 8.57) and a 2+52-bit angle. An odd count drops the last
///   second value, so a fill split at an even index gives the same values as one fill; float
///   and double fills give the same z (float output = double output rounded).
/// - uniform: block j gives values 4j…4j+3, one 32-bit word each (u = w·2⁻³² exact in double,
///   ample for float output); a fill split at a multiple of 4 equals one fill.
/// - truncated normal: proposals in blocks, accepted ones kept in order (deterministic; the
///   block count, and so the engine state afterwards, depends on the accept pattern).
/// - gamma: Marsaglia–Tsang attempts in pairs, two whole blocks per pair (see gamma()).
/// - binomial_half: ⌈n/128⌉ whole blocks, 128 bits each (see binomial_half()).

#include <cstdint>
#include <span>

#include "initcheck/rng/engine.hpp"

namespace initcheck::rng {

/// Uniform on [0, 1) with 53 random bits (the top 53 of next_u64).
double uniform01(Engine& engine);

/// Standard normal N(0, 1): z0 of the Box–Muller pair of the next whole block (one block per
/// call; equals the first value of fill_normal on the same engine).
double standard_normal(Engine& engine);

/// Fills `out` with N(mean, std²) draws (vectorized Box–Muller, both values of each pair used).
void fill_normal(Engine& engine, std::span<float> out, double mean = 0.0, double std = 1.0);

/// Fills `out` with N(mean, std²) draws in double precision.
void fill_normal(Engine& engine, std::span<double> out, double mean = 0.0, double std = 1.0);

/// Fills `out` with U(low, high) draws (low + (high − low)·u in double, then rounded to float,
/// so high itself may appear after rounding).
void fill_uniform(Engine& engine, std::span<float> out, double low, double high);

/// Fills `out` with N(0, std²) conditioned on |x| ≤ cut·std (exact rejection sampling; no
/// variance correction, so Var = std²·(1 − 2c·φ(c)/(2Φ(c) − 1))). cut ≥ 0.5: normal proposals;
/// cut < 0.5: uniform proposals on [−cut, cut] accepted when z² ≤ −2·ln u.
void fill_truncated_normal(Engine& engine, std::span<float> out, double std, double cut);

/// Gamma(shape, 1) (density x^{a−1}e^{−x}/Γ(a)); shape 0 gives 0 (the point mass, no draw).
/// Exact given exact normal and uniform inputs: Marsaglia & Tsang (2000), "A simple method for
/// generating gamma variables", d = a − ⅓, c = 1/√(9d), candidate d·(1 + cz)³ accepted when
/// u < 1 − 0.0331z⁴ (squeeze) or ln u < z²/2 + d − d·v + d·ln v. Attempts come in pairs: two
/// whole blocks per pair, the Box–Muller pair of the first (detail::normal_pair) and two 53-bit
/// uniforms in [2⁻⁵³, 1] from the second (words 0–1, 2–3); attempt 2k uses (z0, u0), 2k + 1 uses
/// (z1, u1). Shape a < 1: Gamma(a + 1)·U^{1/a} (the boost/Marsaglia–Tsang boost), U from words
/// 0–1 of one more whole block drawn after it. Throws InputError for a negative, NaN or
/// infinite shape.
double gamma(Engine& engine, double shape);

/// χ²_k = 2·Gamma(k/2) (k = 0 gives 0).
double chi_squared(Engine& engine, double dof);

/// Binomial(n, ½) exactly: the number of ones among n random bits, taken from ⌈n/128⌉ whole
/// blocks in order (words 0, 1, 2, 3 of each block, low bits first; the unused high bits of
/// the last block are masked off). n = 0 draws nothing.
std::uint64_t binomial_half(Engine& engine, std::uint64_t n);

}  // namespace initcheck::rng
