#include "initcheck/init/weight_laws.hpp"

#include <cmath>
#include <numbers>

namespace initcheck::init {
namespace {

/// cᵏ·2φ(c)/(2Φ(c) − 1): the mass-normalized boundary terms of the truncated normal's moments
/// (0 once φ(c) underflows, c ≳ 38.6, even where cᵏ overflows).
double boundary_moment(double cut, int power) {
  const double pdf = std::exp(-0.5 * cut * cut) / std::sqrt(2.0 * std::numbers::pi);
  if (pdf == 0.0) return 0.0;
  const double mass = std::erf(cut / std::numbers::sqrt2);
  return std::pow(cut, power) * 2.0 * pdf / mass;
}

/// ∫₀¹ t^(2j) e^(−c²t²/2) dt by its alternating series in c²/2 (for c ≤ 1, where the closed
/// forms lose every digit to cancellation as c → 0: 1 − c·2φ(c)/(2Φ(c) − 1) ≈ c²/3).
double scaled_moment(double cut, int j) {
  const double x = -0.5 * cut * cut;
  double term = 1.0;  // x^k / k!
  double sum = 0.0;
  for (int k = 0; k < 40; ++k) {
    sum += term / (2.0 * k + 2.0 * j + 1.0);
    term *= x / (k + 1.0);
  }
  return sum;
}

/// Below this cut the moments come from the series (above it the closed forms are accurate).
constexpr double kSeriesCut = 1.0;

}  // namespace

double truncated_normal_variance_factor(double cut) {
  if (cut < kSeriesCut) return cut * cut * scaled_moment(cut, 1) / scaled_moment(cut, 0);
  return 1.0 - boundary_moment(cut, 1);
}

double truncated_normal_kurtosis(double cut) {
  if (cut < kSeriesCut) {
    const double m2 = scaled_moment(cut, 1);
    return scaled_moment(cut, 2) * scaled_moment(cut, 0) / (m2 * m2);
  }
  // E[z⁴ | |z| ≤ c] = 3·E[z² | |z| ≤ c] − 2c³φ(c)/(2Φ(c) − 1) (integration by parts).
  const double var = truncated_normal_variance_factor(cut);
  const double m4 = 3.0 * var - boundary_moment(cut, 3);
  return m4 / (var * var);
}

WeightLaw normal_law(double mean, double std) {
  return WeightLaw{mean, std * std, 3.0, std::numeric_limits<double>::infinity(), true};
}

WeightLaw uniform_law(double mean, double bound) {
  return WeightLaw{mean, bound * bound / 3.0, 1.8, bound, true};
}

WeightLaw truncated_normal_law(double std, double cut) {
  return WeightLaw{0.0, std * std * truncated_normal_variance_factor(cut),
                   truncated_normal_kurtosis(cut), cut * std, true};
}

}  // namespace initcheck::init
