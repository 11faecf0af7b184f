#include "initcheck/theory/mean_field.hpp"

#include <boost/math/tools/toms748_solve.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "initcheck/stats/detail/boost_policy.hpp"
#include "initcheck/theory/gaussian_expectation.hpp"

namespace initcheck::theory {
namespace {

using Policy = stats::detail::Policy;

constexpr double kInf = std::numeric_limits<double>::infinity();
/// |h(q0)| below this (relative) means q0 itself is the fixed point (quadrature error ~1e-15).
constexpr double kFixedTolerance = 1e-12;
/// Roots below this fraction of q0 are reported as a collapse to 0 (see the header).
constexpr double kCollapseFraction = 1e-10;
/// q (relative to q0) used for limits "at q* = ∞": every activation is within 1e-4 of its
/// asymptotic (piecewise linear or constant) form at that scale.
constexpr double kHugeQ = 1e8;
/// A correlation fixed point within this of 1 is reported as 1.
constexpr double kCorrelationResolution = 1e-6;
/// The upward bracket search stops here: a fixed point beyond 1e30·q0 is reported as ∞.
constexpr double kDivergence = 1e30;
/// q used to evaluate limits "at q* = 0" (φ(√q z) is linear in z to 1e-20 there).
constexpr double kTinyQ = 1e-40;

void check_params(const MeanFieldParams& p) {
  if (!std::isfinite(p.weight_variance) || p.weight_variance < 0.0 ||
      !std::isfinite(p.bias_variance) || p.bias_variance < 0.0) {
    throw std::invalid_argument("mean-field parameters must be finite and >= 0");
  }
}

void check_q(double q) {
  if (!std::isfinite(q) || q < 0.0) throw std::invalid_argument("q must be finite and >= 0");
}

/// Split points for the quadratures: 0 for every activation (a true kink for relu-like φ, and
/// where smooth φ such as gelu bend sharply when q is large; harmless otherwise).
std::vector<double> kinks(const nn::Activation& /*act*/) {
  return {0.0};
}

/// Slope of the c-map at c = 1 for pre-activations of length q: χ₁(q)·q/q-map(q) (= χ₁ when q
/// is the fixed point).
double c_map_slope_at_one(const nn::Activation& act, const MeanFieldParams& p, double q) {
  const double next_q = q_map(act, p, q);
  return next_q == 0.0 ? 0.0 : chi1(act, p, q) * q / next_q;
}

/// Finds a root of f in [lo, hi] (f(lo), f(hi) of opposite signs or zero) to ~1e-15 relative.
template <typename F>
double solve(F f, double lo, double hi, double f_lo, double f_hi) {
  if (f_lo == 0.0) return lo;
  if (f_hi == 0.0) return hi;
  std::uintmax_t max_iter = 200;
  const std::pair<double, double> r = boost::math::tools::toms748_solve(
      f, lo, hi, f_lo, f_hi, boost::math::tools::eps_tolerance<double>(50), max_iter, Policy());
  return 0.5 * (r.first + r.second);
}

double finite_limit_q(const QFixedPoint& fp, double q0) {
  if (fp.q_star == kInf) return kHugeQ * q0;
  if (fp.q_star == 0.0) return kTinyQ * q0;
  return fp.q_star;
}

}  // namespace

bool QFixedPoint::finite() const {
  return std::isfinite(q_star) && q_star > 0.0;
}

double q_map(const nn::Activation& act, const MeanFieldParams& p, double q) {
  check_params(p);
  check_q(q);
  return p.weight_variance * activation_second_moment(act, q) + p.bias_variance;
}

double q_map_slope(const nn::Activation& act, const MeanFieldParams& p, double q) {
  check_params(p);
  check_q(q);
  if (q == 0.0) {
    // Limit q → 0 of E[φ′² + φφ″]: φ′(0)² + φ(0)·φ″(0) (φ″ by a central difference of φ′;
    // φ(0) = 0 for every activation with a kink, so the kink does not matter here).
    const double h = 1e-5;
    const double d0 = act.derivative(0.0);
    const double second = (act.derivative(h) - act.derivative(-h)) / (2.0 * h);
    return p.weight_variance * (d0 * d0 + act.value(0.0) * second);
  }
  const double stein = gaussian_expectation(
      [&](double x) { return x / q * act.value(x) * act.derivative(x); }, 0.0, q, kinks(act));
  return p.weight_variance * stein;
}

double chi1(const nn::Activation& act, const MeanFieldParams& p, double q) {
  check_params(p);
  check_q(q);
  return p.weight_variance * derivative_second_moment(act, q);
}

double c_map(const nn::Activation& act, const MeanFieldParams& p, double q, double c) {
  check_params(p);
  check_q(q);
  const std::vector<double> k = kinks(act);
  const auto phi = [&](double x) { return act.value(x); };
  const double cross = correlated_product_expectation(phi, phi, q, q, c, k, k);
  const double next_q = q_map(act, p, q);
  if (next_q == 0.0) return 1.0;
  return (p.weight_variance * cross + p.bias_variance) / next_q;
}

double chi_c(const nn::Activation& act, const MeanFieldParams& p, double q, double c) {
  check_params(p);
  check_q(q);
  const std::vector<double> k = kinks(act);
  const auto dphi = [&](double x) { return act.derivative(x); };
  return p.weight_variance * correlated_product_expectation(dphi, dphi, q, q, c, k, k);
}

QFixedPoint q_fixed_point(const nn::Activation& act, const MeanFieldParams& p, double q0) {
  check_params(p);
  if (!std::isfinite(q0) || q0 <= 0.0) throw std::invalid_argument("q0 must be finite and > 0");
  QFixedPoint fp;
  if (act.is_homogeneous()) {
    // Affine map q ↦ a·q + σ_b² with a = σ_w²E[φ(Z)²].
    const double a = p.weight_variance * activation_second_moment(act, 1.0);
    fp.slope = a;
    if (std::abs(a - 1.0) <= kFixedTolerance) {
      fp.slope = 1.0;
      if (p.bias_variance == 0.0) {
        fp.q_star = q0;
      } else {
        fp.q_star = kInf;
      }
    } else if (a < 1.0) {
      fp.q_star = p.bias_variance / (1.0 - a);
    } else {
      fp.q_star = kInf;
    }
    return fp;
  }

  const auto h = [&](double q) { return q_map(act, p, q) - q; };
  const double h0 = h(q0);
  if (std::abs(h0) <= kFixedTolerance * q0) {
    fp.q_star = q0;
  } else if (h0 > 0.0) {
    // The iteration moves up: the first sign change above q0, or divergence.
    fp.q_star = kInf;
    double lo = q0;
    double h_lo = h0;
    while (lo < kDivergence * q0) {
      const double hi = 2.0 * lo;
      const double h_hi = h(hi);
      if (h_hi <= 0.0) {
        fp.q_star = solve(h, lo, hi, h_lo, h_hi);
        break;
      }
      lo = hi;
      h_lo = h_hi;
    }
  } else {
    // The iteration moves down: the first sign change below q0, or a collapse to 0.
    fp.q_star = 0.0;
    double hi = q0;
    double h_hi = h0;
    while (hi > kCollapseFraction * q0) {
      const double lo = 0.5 * hi;
      const double h_lo = h(lo);
      if (h_lo >= 0.0) {
        fp.q_star = solve(h, lo, hi, h_lo, h_hi);
        break;
      }
      hi = lo;
      h_hi = h_lo;
    }
  }
  if (fp.q_star == kInf) {
    fp.slope = q_map_slope(act, p, kHugeQ * q0);
  } else {
    fp.slope = q_map_slope(act, p, fp.q_star);
  }
  return fp;
}

double c_fixed_point(const nn::Activation& act, const MeanFieldParams& p, double q) {
  // 1e-9: rounding of the slope (quadrature ~1e-15) must not turn χ = 1 into "chaotic".
  if (c_map_slope_at_one(act, p, q) <= 1.0 + 1e-9) return 1.0;
  const auto f = [&](double c) { return c_map(act, p, q, c) - c; };
  const double f0 = f(0.0);
  if (f0 <= 0.0) return 0.0;  // C(0) = (σ_w²E[φ]² + σ_b²)/q' ≥ 0; = 0 for odd φ, σ_b = 0
  // C is convex on [0, 1] with C(1) = 1, so C(c) − c is convex with a root at 1: if it is still
  // ≥ 0 at 1 − 1e-6 the other root is above that (reported as 1); otherwise it is in [0, top).
  const double top = 1.0 - kCorrelationResolution;
  const double f_top = f(top);
  if (f_top >= 0.0) return 1.0;
  return solve(f, 0.0, top, f0, f_top);
}

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::ordered: return "ordered";
    case Phase::critical: return "critical";
    case Phase::chaotic: return "chaotic";
  }
  return "critical";
}

PhaseReport analyze_phase(const nn::Activation& act, const MeanFieldParams& p, double q0,
                          double critical_tolerance) {
  const QFixedPoint fp = q_fixed_point(act, p, q0);
  PhaseReport r;
  r.q_star = fp.q_star;
  r.q_slope = fp.slope;
  const double q = finite_limit_q(fp, q0);
  r.chi1 = chi1(act, p, q);
  if (std::abs(r.chi1 - 1.0) <= critical_tolerance) {
    r.phase = Phase::critical;
  } else {
    r.phase = r.chi1 < 1.0 ? Phase::ordered : Phase::chaotic;
  }
  r.c_star = c_fixed_point(act, p, q);
  const double next_q = q_map(act, p, q);
  r.chi_c =
      r.c_star == 1.0 ? c_map_slope_at_one(act, p, q) : chi_c(act, p, q, r.c_star) * q / next_q;
  const auto depth_scale = [](double slope) {
    if (slope >= 1.0) return kInf;
    if (slope <= 0.0) return 0.0;
    return -1.0 / std::log(slope);
  };
  r.xi_q = depth_scale(r.q_slope);
  r.xi_c = depth_scale(r.chi_c);
  return r;
}

double edge_of_chaos_weight_variance(const nn::Activation& act, double bias_variance) {
  const auto f = [&](double w) {
    const MeanFieldParams p{w, bias_variance};
    const QFixedPoint fp = q_fixed_point(act, p, 1.0);
    return chi1(act, p, finite_limit_q(fp, 1.0)) - 1.0;
  };
  double lo = 1e-3;
  double f_lo = f(lo);
  if (f_lo >= 0.0) throw std::domain_error("edge of chaos: chaotic already at sigma_w^2 = 1e-3");
  for (double hi = 0.25; hi <= 128.0; hi *= 2.0) {
    const double f_hi = f(hi);
    if (f_hi >= 0.0) return solve(f, lo, hi, f_lo, f_hi);
    lo = hi;
    f_lo = f_hi;
  }
  throw std::domain_error("edge of chaos: no critical sigma_w^2 in (0, 128]");
}

}  // namespace initcheck::theory
