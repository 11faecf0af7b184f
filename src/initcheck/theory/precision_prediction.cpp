#include "initcheck/theory/precision_prediction.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include "initcheck/core/error.hpp"

namespace initcheck::theory {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double standard_normal_pdf(double z) {
  return std::exp(-0.5 * z * z) / std::sqrt(2.0 * std::numbers::pi);
}

/// P(lo < Z < hi), Z ~ N(0,1), accurate in relative terms for tiny intervals and far tails.
double normal_interval(double lo, double hi) {
  if (!(hi > lo)) return 0.0;
  if (std::isfinite(lo) && std::isfinite(hi) && hi - lo < 1e-3) {
    // 5-point Gauss–Legendre on a narrow interval: the density varies on scale ≥ 1/(|z|+1), so
    // the rule is exact to ~1e-20 relative (a difference of CDFs would cancel catastrophically).
    constexpr double kNodes[] = {0.0, 0.5384693101056831, 0.9061798459386640};
    constexpr double kWeights[] = {0.5688888888888889, 0.4786286704993665, 0.2369268850561891};
    const double mid = 0.5 * (lo + hi);
    const double half = 0.5 * (hi - lo);
    double sum = kWeights[0] * standard_normal_pdf(mid);
    for (int i = 1; i < 3; ++i) {
      sum += kWeights[i] * (standard_normal_pdf(mid - half * kNodes[i]) +
                            standard_normal_pdf(mid + half * kNodes[i]));
    }
    return sum * half;
  }
  const double s = std::numbers::sqrt2;
  if (lo >= 0.0) return 0.5 * (std::erfc(lo / s) - std::erfc(hi / s));
  if (hi <= 0.0) return 0.5 * (std::erfc(-hi / s) - std::erfc(-lo / s));
  return 1.0 - 0.5 * std::erfc(-lo / s) - 0.5 * std::erfc(hi / s);
}

/// P(a < X < b) for X ~ N(mean, std²).
double interval(double mean, double std, double a, double b) {
  return normal_interval((a - mean) / std, (b - mean) / std);
}

}  // namespace

FormatThresholds format_thresholds(precision::Format format) {
  FormatThresholds t;
  switch (format) {
    case precision::Format::fp16:
      t.min_subnormal = std::ldexp(1.0, -24);
      t.min_normal = std::ldexp(1.0, -14);
      t.max_finite = 65504.0;
      t.overflow = 65520.0;
      break;
    case precision::Format::bf16:
      t.min_subnormal = std::ldexp(1.0, -133);
      t.min_normal = std::ldexp(1.0, -126);
      t.max_finite = std::ldexp(1.0 - std::ldexp(1.0, -8), 128);
      t.overflow = std::ldexp(1.0 - std::ldexp(1.0, -9), 128);
      break;
    case precision::Format::fp32:
      t.min_subnormal = std::ldexp(1.0, -149);
      t.min_normal = std::ldexp(1.0, -126);
      t.max_finite = static_cast<double>(std::numeric_limits<float>::max());
      t.overflow = std::ldexp(1.0 - std::ldexp(1.0, -25), 128);
      break;
  }
  t.flush = 0.5 * t.min_subnormal;
  t.subnormal_below = t.min_normal - 0.5 * t.min_subnormal;
  return t;
}

EventProbabilities gaussian_event_probabilities(precision::Format format, double mean, double std) {
  if (!(std > 0.0) || !std::isfinite(std) || !std::isfinite(mean)) {
    throw std::invalid_argument("gaussian_event_probabilities: need finite mean and std > 0");
  }
  const FormatThresholds t = format_thresholds(format);
  EventProbabilities e;
  // |X| ≤ flush (X ≠ 0 almost surely).
  e.flush = interval(mean, std, -t.flush, t.flush);
  e.subnormal = interval(mean, std, t.flush, t.subnormal_below) +
                interval(mean, std, -t.subnormal_below, -t.flush);
  e.overflow = interval(mean, std, t.overflow, kInf) + interval(mean, std, -kInf, -t.overflow);
  return e;
}

EventProbabilities activation_event_probabilities(precision::Format format,
                                                  const nn::Activation& act, double mean,
                                                  double std) {
  if (!(std > 0.0) || !std::isfinite(std) || !std::isfinite(mean)) {
    throw std::invalid_argument("activation_event_probabilities: need finite mean and std > 0");
  }
  double slope = 0.0;  // φ(x) = x for x > 0, slope·x for x < 0
  switch (act.kind) {
    case nn::ActivationKind::relu: slope = 0.0; break;
    case nn::ActivationKind::leaky_relu: slope = act.param; break;
    case nn::ActivationKind::linear: return gaussian_event_probabilities(format, mean, std);
    default:
      throw InputError("precision prediction supports relu, leaky_relu and linear outputs (got '" +
                       act.name() + "')");
  }
  const FormatThresholds t = format_thresholds(format);
  EventProbabilities e;
  // Positive half: φ(x) = x.
  e.flush = interval(mean, std, 0.0, t.flush);
  e.subnormal = interval(mean, std, t.flush, t.subnormal_below);
  e.overflow = interval(mean, std, t.overflow, kInf);
  // Negative half: |φ(x)| = |slope|·|x|, or an exact 0 when slope = 0.
  if (slope == 0.0) {
    e.exact_zero = interval(mean, std, -kInf, 0.0);
  } else {
    const double k = std::abs(slope);
    e.flush += interval(mean, std, -t.flush / k, 0.0);
    e.subnormal += interval(mean, std, -t.subnormal_below / k, -t.flush / k);
    e.overflow += interval(mean, std, -kInf, -t.overflow / k);
  }
  return e;
}

}  // namespace initcheck::theory
