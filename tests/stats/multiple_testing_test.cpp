#include "initcheck/stats/multiple_testing.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "coverage.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::stats {
namespace {

TEST(MultipleTesting, HolmRejectsMoreThanBonferroni) {
  // m = 4, α = 0.05: Bonferroni threshold 0.0125 rejects only 0.01 and 0.005; Holm's steps
  // 0.005 ≤ .0125, 0.01 ≤ .0167, 0.02 ≤ .025, 0.03 ≤ .05 reject all four.
  const std::vector<double> p{0.01, 0.02, 0.03, 0.005};
  EXPECT_EQ(bonferroni_reject(p, 0.05), (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(holm_reject(p, 0.05), (std::vector<bool>{true, true, true, true}));
  // R: p.adjust(c(.01,.02,.03,.005), "holm") = 0.03 0.04 0.04 0.02 (1e-15: exact products).
  const std::vector<double> holm = holm_adjust(p);
  const std::vector<double> expected{0.03, 0.04, 0.04, 0.02};
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(holm[i], expected[i], 1e-15) << i;
  const std::vector<double> bonf = bonferroni_adjust(p);
  EXPECT_NEAR(bonf[2], 0.12, 1e-15);
}

TEST(MultipleTesting, HolmStopsAtFirstFailure) {
  // Sorted 0.001 ≤ .01667 ✓, 0.04 > .025 ✗ → stop; 0.045 is not rejected although ≤ α.
  const std::vector<double> p{0.045, 0.001, 0.04};
  EXPECT_EQ(holm_reject(p, 0.05), (std::vector<bool>{false, true, false}));
  // Adjusted: 0.003, max(0.003, 0.08) = 0.08, max(0.08, 0.045) = 0.08.
  const std::vector<double> adj = holm_adjust(p);
  EXPECT_NEAR(adj[1], 0.003, 1e-15);
  EXPECT_NEAR(adj[2], 0.08, 1e-15);
  EXPECT_NEAR(adj[0], 0.08, 1e-15);
  EXPECT_THROW(holm_reject(std::vector<double>{1.5}, 0.05), std::invalid_argument);
}

TEST(MultipleTesting, UnionBoundOverAlphas) {
  const std::vector<double> p{1e-7, 1e-5, 0.3};
  const std::vector<double> a{1e-6, 1e-6, 0.5};
  EXPECT_EQ(union_bound_reject(p, a), (std::vector<bool>{true, false, true}));
  EXPECT_THROW(union_bound_reject(p, std::vector<double>{0.5, 0.5, 0.5}), std::invalid_argument);
}

TEST(MultipleTesting, FamilyWiseErrorUnderGlobalNull) {
  // 20000 families of m = 10 independent uniform p-values (all nulls true), α = 0.1:
  // FWER(Holm) = FWER(Bonferroni) = 1 − 0.99¹⁰ ≈ 0.0956 ≤ 0.1 (calibration, CP at 1e-9);
  // testing each at α unadjusted gives 1 − 0.9¹⁰ ≈ 0.65 (power of the check).
  const rng::Engine master(5);
  testing::Misses holm;
  testing::Misses unadjusted;
  for (std::size_t f = 0; f < 20000; ++f) {
    rng::Engine e = master.split(f);
    std::vector<double> p(10);
    for (double& x : p) x = rng::uniform01(e);
    const std::vector<bool> r = holm_reject(p, 0.1);
    holm.record(std::find(r.begin(), r.end(), true) == r.end());
    bool any = false;
    for (double x : p) any = any || x <= 0.1;
    unadjusted.record(!any);
  }
  EXPECT_TRUE(holm.at_most(0.1)) << holm.rate();
  EXPECT_TRUE(holm.consistent_with(1.0 - std::pow(0.99, 10))) << holm.rate();
  EXPECT_FALSE(unadjusted.at_most(0.1)) << unadjusted.rate();
}

}  // namespace
}  // namespace initcheck::stats
