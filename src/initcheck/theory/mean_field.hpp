#pragma once
/// Mean-field signal propagation in wide random networks (Poole et al. 2016, "Exponential
/// expressivity in deep neural networks through transient chaos"; Schoenholz et al. 2017,
/// "Deep information propagation"): q-map, c-map, χ₁, fixed points, phase and depth scales.
///
/// A layer is z = W·φ(z_prev) + b with Var(W_ij) = σ_w²/fan_in and Var(b_i) = σ_b².

#include <string_view>

#include "initcheck/nn/activation.hpp"

namespace initcheck::theory {

/// σ_w² (weight variance times fan_in) and σ_b² (bias variance).
struct MeanFieldParams {
  double weight_variance = 1.0;  ///< σ_w²
  double bias_variance = 0.0;    ///< σ_b²
};

/// q-map: q_l = σ_w²·E[φ(√q_{l−1}·Z)²] + σ_b².
double q_map(const nn::Activation& act, const MeanFieldParams& p, double q);
/// dq_l/dq_{l−1} = σ_w²·E[φ′² + φφ″] at √q·Z, computed by Stein's lemma as
/// σ_w²·E[Z·φ(√q Z)·φ′(√q Z)]/√q (valid at kinks; σ_w²·φ′(0)² in the limit q → 0).
double q_map_slope(const nn::Activation& act, const MeanFieldParams& p, double q);
/// χ₁ = σ_w²·E[φ′(√q·Z)²]: the mean squared singular value of the layer Jacobian.
double chi1(const nn::Activation& act, const MeanFieldParams& p, double q);
/// c-map: correlation of two inputs' pre-activations after one layer, both with length q:
/// (σ_w²·E[φ(u₁)φ(u₂)] + σ_b²)/q_map(q), (u₁, u₂) ~ N(0, q·[[1, c], [c, 1]]).
double c_map(const nn::Activation& act, const MeanFieldParams& p, double q, double c);
/// χ_c = σ_w²·E[φ′(u₁)φ′(u₂)] (slope of the c-map at c when q is the fixed point).
double chi_c(const nn::Activation& act, const MeanFieldParams& p, double q, double c);

/// The fixed point q* reached by iterating the q-map from q0, and the map's slope there.
struct QFixedPoint {
  double q_star = 0.0;  ///< +inf when the iteration diverges; 0 when it collapses
  double slope = 0.0;   ///< dq-map/dq at q* (the fixed point is stable when < 1)
  [[nodiscard]] bool finite() const;
  [[nodiscard]] bool stable() const { return slope < 1.0; }
};

/// q* reached from q0. For relu/leaky_relu/linear the q-map is affine and solved exactly (every
/// q is fixed when σ_w²E[φ²] = 1 and σ_b = 0: then q* = q0); otherwise the nearest root of
/// q-map(q) − q in the direction the iteration moves is bracketed and polished (TOMS 748). A
/// root below 1e-10·q0 is reported as 0 (the iteration collapses; rounding cannot resolve it)
/// and one above 1e30·q0 as ∞.
QFixedPoint q_fixed_point(const nn::Activation& act, const MeanFieldParams& p, double q0 = 1.0);

/// The stable fixed point c* of the c-map at q: 1 when the map's slope at c = 1,
/// χ₁(q)·q/q-map(q) (= χ₁ at a fixed point q), is ≤ 1; else the root in [0, 1) (a root within
/// 1e-6 of 1 is reported as 1).
double c_fixed_point(const nn::Activation& act, const MeanFieldParams& p, double q);

/// Ordered (χ₁ < 1: inputs converge), chaotic (χ₁ > 1: nearby inputs decorrelate), critical.
enum class Phase { ordered, critical, chaotic };
std::string_view phase_name(Phase phase);

/// Everything the oracle says about one (φ, σ_w², σ_b²).
struct PhaseReport {
  Phase phase = Phase::critical;
  double q_star = 0.0;   ///< fixed point reached from q0
  double q_slope = 0.0;  ///< q-map slope at q*
  double chi1 = 0.0;     ///< σ_w²E[φ′(√q* Z)²]
  double c_star = 1.0;   ///< stable c-map fixed point
  double chi_c = 0.0;    ///< c-map slope at c* (= σ_w²E[φ′(u₁)φ′(u₂)] at a finite q*)
  double xi_q = 0.0;  ///< −1/log(q_slope): depth over which q approaches q* (inf if slope ≥ 1)
  double xi_c = 0.0;  ///< −1/log(χ_c): depth over which correlations approach c* (inf at χ_c ≥ 1)
};

/// Phase and depth scales (Schoenholz et al. 2017, eqs. 4–9). Critical when |χ₁ − 1| ≤
/// `critical_tolerance`. If q* is 0 or ∞, χ₁, c* and χ_c are evaluated at q = 1e-40·q0 or
/// 1e8·q0 (their limits; for homogeneous φ they do not depend on q). ReLU nets have c* = 1 and
/// χ_c = 1 (ξ_c = ∞: correlations converge only polynomially) whatever σ_w.
PhaseReport analyze_phase(const nn::Activation& act, const MeanFieldParams& p, double q0 = 1.0,
                          double critical_tolerance = 1e-3);

/// The edge of chaos: σ_w² with χ₁(q*) = 1 for the given σ_b². Throws std::domain_error when
/// no σ_w² in (0, 128] is critical.
double edge_of_chaos_weight_variance(const nn::Activation& act, double bias_variance);

}  // namespace initcheck::theory
