#include "initcheck/rng/distributions.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "initcheck/core/error.hpp"

namespace initcheck::rng {
namespace {

// Every moment check below uses n = 10⁶ draws and a two-sided z bound of 6.5, i.e. α ≈ 8e-11
// per check under the normal approximation of the sample mean / variance (at n = 10⁶ the
// CLT error in these tail quantiles is far below the margin). With a fixed seed the test is
// deterministic; the α states how unlikely a correct sampler is to fail for a random seed.
constexpr std::size_t kN = 1'000'000;
constexpr double kZ = 6.5;

struct Moments {
  double mean = 0;
  double var = 0;
  double kurtosis = 0;
};

template <typename T>
Moments moments(const std::vector<T>& xs) {
  double sum = 0;
  for (T x : xs) sum += x;
  const double mean = sum / static_cast<double>(xs.size());
  double m2 = 0;
  double m4 = 0;
  for (T x : xs) {
    const double d = x - mean;
    m2 += d * d;
    m4 += d * d * d * d;
  }
  const auto n = static_cast<double>(xs.size());
  return {mean, m2 / (n - 1), (m4 / n) / ((m2 / n) * (m2 / n))};
}

// Var(s²) = σ⁴(κ − 1)/n for large n, where κ is the kurtosis.
void expect_variance(const Moments& m, double variance, double kurtosis) {
  const double se = variance * std::sqrt((kurtosis - 1.0) / static_cast<double>(kN));
  EXPECT_NEAR(m.var, variance, kZ * se);
  EXPECT_NEAR(m.mean, 0.0, kZ * std::sqrt(variance / static_cast<double>(kN)));
}

TEST(Distributions, Uniform01Range) {
  Engine e(1);
  for (int i = 0; i < 100000; ++i) {
    const double u = uniform01(e);
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
}

TEST(Distributions, NormalMoments) {
  Engine e(2);
  std::vector<double> xs(kN);
  fill_normal(e, std::span<double>(xs));
  const Moments m = moments(xs);
  expect_variance(m, 1.0, 3.0);
  // Sample kurtosis of a normal has sd √(24/n) ≈ 0.0049.
  EXPECT_NEAR(m.kurtosis, 3.0, kZ * std::sqrt(24.0 / kN));
}

TEST(Distributions, PlantedWrongVarianceIsRejected) {
  // Power: a sampler off by 1% in variance lies 1% / (6.5·√(2/n)) ≈ 1.1 margins away.
  Engine e(3);
  std::vector<double> xs(kN);
  fill_normal(e, std::span<double>(xs), 0.0, std::sqrt(1.02));
  const Moments m = moments(xs);
  const double se = std::sqrt(2.0 / static_cast<double>(kN));
  EXPECT_GT(std::abs(m.var - 1.0), kZ * se);
}

TEST(Distributions, UniformMoments) {
  Engine e(4);
  std::vector<float> xs(kN);
  fill_uniform(e, std::span<float>(xs), -std::sqrt(3.0), std::sqrt(3.0));
  const Moments m = moments(xs);
  expect_variance(m, 1.0, 1.8);
  for (float x : xs) ASSERT_LE(std::abs(x), std::sqrt(3.0F) * (1 + 1e-6F));
}

TEST(Distributions, TruncatedNormalMomentsAndSupport) {
  Engine e(5);
  std::vector<float> xs(kN);
  fill_truncated_normal(e, std::span<float>(xs), 1.0, 2.0);
  // Var of N(0,1) truncated at ±2 (DESIGN.md §7); its kurtosis is 2.3655.
  const Moments m = moments(xs);
  expect_variance(m, 0.77374130354992324, 2.3655);
  for (float x : xs) ASSERT_LE(std::abs(x), 2.0F);
}

TEST(Distributions, NarrowTruncationUsesUniformProposal) {
  Engine e(6);
  std::vector<float> xs(kN);
  fill_truncated_normal(e, std::span<float>(xs), 2.0, 0.25);
  for (float x : xs) ASSERT_LE(std::abs(x), 0.5F);
  // Var of N(0,1) truncated at ±c: 1 − 2cφ(c)/(2Φ(c) − 1); c = 0.25 → 0.0204..., times σ² = 4.
  const double c = 0.25;
  const double phi = std::exp(-0.5 * c * c) / std::sqrt(2 * M_PI);
  const double mass = std::erf(c / std::sqrt(2.0));
  expect_variance(moments(xs), 4.0 * (1 - 2 * c * phi / mass), 1.8);
}

TEST(Distributions, TruncatedRejectsBadCut) {
  Engine e(7);
  std::vector<float> xs(4);
  EXPECT_THROW(fill_truncated_normal(e, std::span<float>(xs), 1.0, 0.0), InputError);
  EXPECT_THROW(fill_truncated_normal(e, std::span<float>(xs), 1.0, NAN), InputError);
}

TEST(Distributions, Deterministic) {
  Engine a(8);
  Engine b(8);
  std::vector<float> x(1001);
  std::vector<float> y(1001);
  fill_normal(a, std::span<float>(x));
  fill_normal(b, std::span<float>(y));
  EXPECT_EQ(x, y);
}

}  // namespace
}  // namespace initcheck::rng
