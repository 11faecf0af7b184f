#pragma once
/// Portable samplers written in the project (never std::*_distribution, whose output differs
/// between standard libraries, and no libm call: log/sin/cos are the project's own polynomials,
/// see portable_math.hpp). Bit-identical for a given engine state on every platform and thread
/// count (the module is compiled without implicit FMA contraction).
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

}  // namespace initcheck::rng
