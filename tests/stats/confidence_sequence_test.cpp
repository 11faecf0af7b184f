// Time-uniform coverage of the normal-mixture confidence sequence (Howard et al. 2021): over
// kPaths simulated paths of kSteps observations, the fraction of paths whose interval EVER
// excludes the true mean must be ≤ α (Clopper–Pearson at 1e-9, as in coverage.hpp). Power: a
// fixed-n z interval at the same level, peeked at after every observation, fails this check
// (the law of the iterated logarithm guarantees it eventually excludes the mean on most paths).
// Fixed seeds: deterministic; α = 1e-9 is the chance a correct procedure fails for another seed.

#include "initcheck/stats/confidence_sequence.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "coverage.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"
#include "initcheck/stats/mean_interval.hpp"

namespace initcheck::stats {
namespace {

using testing::Misses;

constexpr std::size_t kPaths = 1500;
constexpr std::size_t kSteps = 1000;
constexpr double kAlpha = 0.1;

/// interval(sum, t) at every t = 1..kSteps; a path "misses" if any interval excludes `mean`.
Misses ever_excludes(std::uint64_t seed, const std::function<double(rng::Engine&)>& draw,
                     double mean,
                     const std::function<ConfidenceInterval(double, std::size_t)>& interval) {
  const rng::Engine master(seed);
  Misses misses;
  for (std::size_t path = 0; path < kPaths; ++path) {
    rng::Engine engine = master.split(path);
    double sum = 0.0;
    bool covered = true;
    for (std::size_t t = 1; t <= kSteps; ++t) {
      sum += draw(engine);
      covered = covered && interval(sum, t).contains(mean);
    }
    misses.record(covered);
  }
  return misses;
}

TEST(ConfidenceSequence, BernoulliTimeUniformCoverage) {
  constexpr double kP = 0.3;
  const auto bernoulli = [](rng::Engine& e) { return rng::uniform01(e) < kP ? 1.0 : 0.0; };
  const NormalMixtureSequence cs = NormalMixtureSequence::bounded(0.0, 1.0, kAlpha, 200.0);
  const Misses sequence =
      ever_excludes(1, bernoulli, kP, [&](double s, std::size_t t) { return cs.interval(s, t); });
  EXPECT_TRUE(sequence.at_most(kAlpha)) << sequence.rate();
  // Power: the fixed-n z interval with the true σ = √(p(1−p)), peeked at every step.
  const double sigma = std::sqrt(kP * (1.0 - kP));
  const Misses peeking = ever_excludes(2, bernoulli, kP, [&](double s, std::size_t t) {
    return mean_interval_known_sigma(s / static_cast<double>(t), sigma, t, 1.0 - kAlpha);
  });
  EXPECT_FALSE(peeking.at_most(kAlpha)) << peeking.rate();
}

TEST(ConfidenceSequence, GaussianTimeUniformCoverage) {
  constexpr double kMu = 0.25;
  constexpr double kSigma = 2.0;
  const auto gaussian = [](rng::Engine& e) { return kMu + kSigma * rng::standard_normal(e); };
  const NormalMixtureSequence cs(kSigma, kAlpha, 100.0);
  const Misses sequence =
      ever_excludes(3, gaussian, kMu, [&](double s, std::size_t t) { return cs.interval(s, t); });
  EXPECT_TRUE(sequence.at_most(kAlpha)) << sequence.rate();
  const Misses peeking = ever_excludes(4, gaussian, kMu, [&](double s, std::size_t t) {
    return mean_interval_known_sigma(s / static_cast<double>(t), kSigma, t, 1.0 - kAlpha);
  });
  EXPECT_FALSE(peeking.at_most(kAlpha)) << peeking.rate();
}

TEST(ConfidenceSequence, PlantedBoundaryWithoutLogTermIsRejected) {
  // Power against a subtler bug: dropping the log((v+ρ)/ρ) growth term leaves a boundary
  // √((v+ρ)·2log(1/α)) that is only ~fixed-n wide; it must fail the same check.
  constexpr double kSigma = 1.0;
  const auto gaussian = [](rng::Engine& e) { return rng::standard_normal(e); };
  const NormalMixtureSequence cs(kSigma, kAlpha, 100.0);
  const Misses buggy = ever_excludes(5, gaussian, 0.0, [&](double s, std::size_t t) {
    const auto dt = static_cast<double>(t);
    const double half = std::sqrt((dt + cs.rho()) * 2.0 * std::log(1.0 / kAlpha)) / dt;
    return ConfidenceInterval{s / dt - half, s / dt + half, s / dt, 1.0 - kAlpha, t};
  });
  EXPECT_FALSE(buggy.at_most(kAlpha)) << buggy.rate();
}

TEST(ConfidenceSequence, ShrinksLikeSqrtLogTOverT) {
  // Width after t observations is 2u(σ²t)/t: it must shrink, and at 100× the data it is
  // between 1/10 and 1/10·√(log growth) of the earlier width (exact arithmetic of u).
  const NormalMixtureSequence cs(1.0, 0.05, 100.0);
  const double w1 = cs.interval(0.0, 100).width();
  const double w2 = cs.interval(0.0, 10000).width();
  EXPECT_LT(w2, w1 / 10.0 * 2.0);
  EXPECT_GT(w2, w1 / 10.0);
}

}  // namespace
}  // namespace initcheck::stats
