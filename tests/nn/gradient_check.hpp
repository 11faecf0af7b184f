#pragma once
// Test helpers shared by the layer, attention and transformer-block tests: Gaussian matrices and a
// central-difference gradient check of float kernels.

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <functional>
#include <span>

#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::nn::testing {

inline Eigen::MatrixXf normal(rng::Engine& engine, Eigen::Index rows, Eigen::Index cols,
                              double std = 1.0, double mean = 0.0) {
  Eigen::MatrixXf m(rows, cols);
  rng::fill_normal(engine, std::span<float>(m.data(), static_cast<std::size_t>(m.size())), mean,
                   std);
  return m;
}

/// Σ out ⊙ r in double (the loss whose gradient w.r.t. out is r).
inline double weighted_sum(const Eigen::MatrixXf& out, const Eigen::MatrixXf& r) {
  return (out.cast<double>().array() * r.cast<double>().array()).sum();
}

/// Central differences of `loss` at ≈ `count` coordinates spread over p against `analytic`,
/// |analytic − numeric| ≤ tolerance(analytic). The step actually taken is float(p ± h), so the
/// denominator uses the rounded values.
inline void check_gradient(const char* what, Eigen::MatrixXf p, const Eigen::MatrixXf& analytic,
                           double h, int count,
                           const std::function<double(const Eigen::MatrixXf&)>& loss,
                           const std::function<double(double)>& tolerance) {
  ASSERT_EQ(p.rows(), analytic.rows());
  ASSERT_EQ(p.cols(), analytic.cols());
  const Eigen::Index n = p.size();
  const Eigen::Index step = std::max<Eigen::Index>(1, n / count);
  for (Eigen::Index i = 0; i < n; i += step) {
    const float orig = p.data()[i];
    const auto plus = static_cast<float>(orig + h);
    const auto minus = static_cast<float>(orig - h);
    p.data()[i] = plus;
    const double lp = loss(p);
    p.data()[i] = minus;
    const double lm = loss(p);
    p.data()[i] = orig;
    const double numeric = (lp - lm) / (static_cast<double>(plus) - minus);
    const double a = analytic.data()[i];
    EXPECT_NEAR(a, numeric, tolerance(a)) << what << " coordinate " << i;
  }
}

/// The same with |analytic − numeric| ≤ rel·max(1, |analytic|).
inline void check_gradient(const char* what, const Eigen::MatrixXf& p,
                           const Eigen::MatrixXf& analytic, double h, int count,
                           const std::function<double(const Eigen::MatrixXf&)>& loss, double rel) {
  check_gradient(what, p, analytic, h, count, loss,
                 [rel](double a) { return rel * std::max(1.0, std::abs(a)); });
}

}  // namespace initcheck::nn::testing
