#pragma once
/// Portable samplers written in the project (never std::*_distribution, whose output differs
/// between standard libraries). Bit-identical for a given engine state on any platform whose
/// libm log/sin/cos agree (glibc on x86-64 in CI).

#include <span>

#include "initcheck/rng/engine.hpp"

namespace initcheck::rng {

/// Uniform on [0, 1) with 53 random bits.
double uniform01(Engine& engine);

/// Standard normal N(0, 1) by the Box–Muller transform (one pair of uniforms per draw).
double standard_normal(Engine& engine);

/// Fills `out` with N(mean, std²) draws (Box–Muller, both values of each pair used).
void fill_normal(Engine& engine, std::span<float> out, double mean = 0.0, double std = 1.0);

/// Fills `out` with N(mean, std²) draws in double precision.
void fill_normal(Engine& engine, std::span<double> out, double mean = 0.0, double std = 1.0);

/// Fills `out` with U(low, high) draws.
void fill_uniform(Engine& engine, std::span<float> out, double low, double high);

/// Fills `out` with N(0, std²) conditioned on |x| ≤ cut·std (exact rejection sampling; no
/// variance correction, so Var = std²·(1 − 2c·φ(c)/(2Φ(c) − 1))).
void fill_truncated_normal(Engine& engine, std::span<float> out, double std, double cut);

}  // namespace initcheck::rng
