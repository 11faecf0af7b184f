#pragma once
/// Test helper: does a sample of iid weights match a declared WeightLaw?

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <sstream>

#include "initcheck/init/init_scheme.hpp"

namespace initcheck::init::testing_detail {

/// z for every two-sided check below: 6.5 → α ≈ 8e-11 per check under the normal
/// approximation. The checks use n ≥ 10⁶ entries, where the CLT error of the sample mean,
/// variance and kurtosis of these light-tailed laws is far below the margin. Seeds are fixed,
/// so the tests are deterministic; α says how unlikely a correct scheme is to fail for another
/// seed.
constexpr double kZ = 6.5;

/// Compares the sample mean, variance (kurtosis-aware bound Var(s²) ≈ σ⁴(κ − 1)/n), kurtosis
/// (delta-method bound from the sample's 6th and 8th moments) and support with `law`.
inline ::testing::AssertionResult matches_law(const Eigen::Ref<const Eigen::MatrixXf>& w,
                                              const WeightLaw& law) {
  const auto n = static_cast<double>(w.size());
  double sum = 0;
  for (Eigen::Index j = 0; j < w.cols(); ++j) {
    for (Eigen::Index i = 0; i < w.rows(); ++i) sum += w(i, j);
  }
  const double mean = sum / n;
  double m2 = 0;
  double m4 = 0;
  double m6 = 0;
  double m8 = 0;
  double max_dev = 0;
  for (Eigen::Index j = 0; j < w.cols(); ++j) {
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      const double d = w(i, j) - mean;
      const double d2 = d * d;
      m2 += d2;
      m4 += d2 * d2;
      m6 += d2 * d2 * d2;
      m8 += d2 * d2 * d2 * d2;
      max_dev = std::max(max_dev, std::abs(w(i, j) - law.mean));
    }
  }
  m2 /= n;
  m4 /= n;
  m6 /= n;
  m8 /= n;
  const double var = m2 * n / (n - 1);
  std::ostringstream why;
  bool ok = true;

  if (law.variance == 0.0) {
    if (max_dev != 0.0) return ::testing::AssertionFailure() << "a point mass varies: " << max_dev;
    return ::testing::AssertionSuccess();
  }
  const double mean_margin = kZ * std::sqrt(law.variance / n);
  if (std::abs(mean - law.mean) > mean_margin) {
    ok = false;
    why << " mean " << mean << " vs " << law.mean << " (margin " << mean_margin << ");";
  }
  const double var_margin = kZ * law.variance * std::sqrt((law.kurtosis - 1.0) / n);
  if (std::abs(var - law.variance) > var_margin) {
    ok = false;
    why << " variance " << var << " vs " << law.variance << " (margin " << var_margin << ");";
  }
  // Delta method for b₂ = m₄/m₂²: n·Var(b₂) ≈ 4μ₄²(μ₄ − μ₂²)/μ₂⁶ + (μ₈ − μ₄²)/μ₂⁴
  // − 4μ₄(μ₆ − μ₂μ₄)/μ₂⁵ (24 for a normal), with the moments estimated from the sample.
  const double kurt = m4 / (m2 * m2);
  const double kurt_var =
      (4 * m4 * m4 * (m4 - m2 * m2) / std::pow(m2, 6) + (m8 - m4 * m4) / std::pow(m2, 4) -
       4 * m4 * (m6 - m2 * m4) / std::pow(m2, 5)) /
      n;
  const double kurt_margin = kZ * std::sqrt(std::max(kurt_var, 0.0));
  if (std::abs(kurt - law.kurtosis) > kurt_margin) {
    ok = false;
    why << " kurtosis " << kurt << " vs " << law.kurtosis << " (margin " << kurt_margin << ");";
  }
  // Support: exact up to rounding the draw to float (relative 2⁻²⁴).
  if (std::isfinite(law.support_bound) && max_dev > law.support_bound * (1 + 1e-6)) {
    ok = false;
    why << " |w − mean| reaches " << max_dev << " > bound " << law.support_bound << ";";
  }
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << why.str();
}

}  // namespace initcheck::init::testing_detail
