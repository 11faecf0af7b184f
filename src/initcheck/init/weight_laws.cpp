#include "initcheck/init/weight_laws.hpp"

#include <cmath>
#include <numbers>

namespace initcheck::init {
namespace {

/// 2cφ(c)/(2Φ(c) − 1): the mass-normalized boundary term of the truncated normal's moments.
double boundary_term(double cut) {
  const double pdf = std::exp(-0.5 * cut * cut) / std::sqrt(2.0 * std::numbers::pi);
  const double mass = std::erf(cut / std::numbers::sqrt2);
  return 2.0 * pdf / mass;
}

}  // namespace

double truncated_normal_variance_factor(double cut) {
  return 1.0 - cut * boundary_term(cut);
}

double truncated_normal_kurtosis(double cut) {
  // E[z⁴ | |z| ≤ c] = 3·E[z² | |z| ≤ c] − 2c³φ(c)/(2Φ(c) − 1) (integration by parts).
  const double var = truncated_normal_variance_factor(cut);
  const double m4 = 3.0 * var - cut * cut * cut * boundary_term(cut);
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
