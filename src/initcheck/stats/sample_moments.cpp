#include "initcheck/stats/sample_moments.hpp"

#include "initcheck/stats/detail/check.hpp"

namespace initcheck::stats {

void SampleMoments::add(double x) {
  // Terriberry's extension of Welford's update to third and fourth central sums.
  const auto n1 = static_cast<double>(n_);
  ++n_;
  const auto n = static_cast<double>(n_);
  const double delta = x - mean_;
  const double delta_n = delta / n;
  const double delta_n2 = delta_n * delta_n;
  const double term1 = delta * delta_n * n1;
  mean_ += delta_n;
  m4_ += term1 * delta_n2 * (n * n - 3.0 * n + 3.0) + 6.0 * delta_n2 * m2_ - 4.0 * delta_n * m3_;
  m3_ += term1 * delta_n * (n - 2.0) - 3.0 * delta_n * m2_;
  m2_ += term1;
  const double x2 = x * x;
  raw2_ += x2;
  raw4_ += x2 * x2;
}

void SampleMoments::add(std::span<const float> xs) {
  for (float x : xs) add(static_cast<double>(x));
}

void SampleMoments::add(std::span<const double> xs) {
  for (double x : xs) add(x);
}

double SampleMoments::variance() const {
  detail::require(n_ >= 2, "SampleMoments::variance needs at least 2 values");
  return m2_ / static_cast<double>(n_ - 1);
}

double SampleMoments::kurtosis() const {
  detail::require(n_ >= 2 && m2_ > 0.0, "SampleMoments::kurtosis needs at least 2 distinct values");
  return static_cast<double>(n_) * m4_ / (m2_ * m2_);
}

}  // namespace initcheck::stats
