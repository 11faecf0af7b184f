#pragma once
/// Streaming sample moments in double precision (feeds the interval functions).

#include <cstddef>
#include <span>

namespace initcheck::stats {

/// Accumulates n, the mean and the central sums Σd², Σd⁴ (d = x − x̄) with the numerically
/// stable one-pass updates of Welford (1962) / Terriberry (2007), plus the raw sums Σx², Σx⁴
/// used when the mean is known to be 0. Every value is converted to double before use.
class SampleMoments {
 public:
  void add(double x);
  void add(std::span<const float> xs);
  void add(std::span<const double> xs);

  [[nodiscard]] std::size_t count() const { return n_; }
  [[nodiscard]] double mean() const { return mean_; }
  /// Σ(x − x̄)².
  [[nodiscard]] double sum_sq_dev() const { return m2_; }
  /// Σ(x − x̄)⁴.
  [[nodiscard]] double sum_fourth_dev() const { return m4_; }
  /// Σx² (about 0, not about the mean).
  [[nodiscard]] double sum_squares() const { return raw2_; }
  /// Σx⁴ (about 0).
  [[nodiscard]] double sum_fourth_powers() const { return raw4_; }
  /// Unbiased sample variance Σ(x − x̄)²/(n − 1); throws std::invalid_argument if n < 2.
  [[nodiscard]] double variance() const;
  /// Sample kurtosis n·Σd⁴/(Σd²)² (3 for a normal law, 1.8 for a uniform one); throws
  /// std::invalid_argument if n < 2 or all values are equal.
  [[nodiscard]] double kurtosis() const;

 private:
  std::size_t n_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
  double m3_ = 0.0;
  double m4_ = 0.0;
  double raw2_ = 0.0;
  double raw4_ = 0.0;
};

}  // namespace initcheck::stats
