// Known answers: Kaiming (He) normal + ReLU preserves the second moment layer by layer;
// PyTorch's default Linear init (Var = 1/(3 fan_in)) + ReLU divides it by 6 per layer.
//
// Exact per-sample law (docs/statistics.md). For sample b of layer l, given the layer input h (any
// past), the units z_i = w_iᵀh are iid with variance v = Var(W)·‖h‖², so
// T = ‖relu(z)‖²/v = Σ_i Y_i, Y_i = relu(z_i)²/v iid with E[Y] = 1/2 — whatever the past.
// Bounds with a stated α (valid for Gaussian W, and for uniform W, whose z is strictly
// sub-Gaussian with kurtosis ≤ 3):
//   upper (Chernoff, E e^{λY} ≤ ½ + ½(1−2λ)^{−1/2}): P(T ≥ a) ≤ min_λ e^{−λa}(½ + ½(1−2λ)^{−1/2})^n
//   lower (Maurer 2003 for non-negative Y, E[Y²] ≤ 3/2): P(T ≤ n/2 − s) ≤ exp(−s²/(3n))
// Every (layer, sample) pair is checked (Bonferroni over 2·L·B checks, dependence allowed), total
// α = 1e-9, fixed seed: a false failure is a < 1e-9 event, so the test is not flaky.
#include <gtest/gtest.h>

#include <cmath>

#include "initcheck/engine/replicates.hpp"
#include "test_support.hpp"

namespace initcheck::engine {
namespace {

constexpr int kWidth = 512;
constexpr int kDepth = 10;
constexpr int kBatch = 16;
constexpr double kAlphaTotal = 1e-9;

/// log of the Chernoff upper-tail bound for T ≥ a.
double log_upper_bound(double a, double n) {
  double best = 0.0;
  for (int k = 1; k < 4000; ++k) {
    const double lambda = 0.5 * k / 4000.0;
    const double mgf = 0.5 + 0.5 / std::sqrt(1.0 - 2.0 * lambda);
    best = std::min(best, -lambda * a + n * std::log(mgf));
  }
  return best;
}

struct Band {
  double lo;  ///< T below lo has probability ≤ α
  double hi;  ///< T above hi has probability ≤ α
};

Band band(double n, double alpha) {
  Band b{};
  b.lo = n / 2.0 - std::sqrt(3.0 * n * std::log(1.0 / alpha));
  double lo = n / 2.0;  // bisection on the monotone bound
  double hi = 4.0 * n;
  for (int it = 0; it < 100; ++it) {
    const double mid = 0.5 * (lo + hi);
    (log_upper_bound(mid, n) > std::log(alpha) ? lo : hi) = mid;
  }
  b.hi = hi;
  return b;
}

/// Per-layer ratios ‖h_{l,b}‖²/‖h_{l−1,b}‖² for every sample of every layer.
std::vector<std::vector<double>> ratios(const Trace& t) {
  std::vector<std::vector<double>> out;
  for (std::size_t l = 0; l < t.layers.size(); ++l) {
    const std::vector<double>& next =
        l + 1 < t.layers.size() ? t.layers[l + 1].input_sq_norms : t.output_sq_norms;
    std::vector<double> r;
    for (std::size_t b = 0; b < next.size(); ++b) {
      r.push_back(next[b] / t.layers[l].input_sq_norms[b]);
    }
    out.push_back(r);
  }
  return out;
}

Trace run(std::shared_ptr<const init::InitScheme> scheme) {
  const model::NetworkConfig c = testing::mlp_config(kWidth, kDepth, kBatch, std::move(scheme));
  TraceOptions o;
  o.backward = false;
  return run_network(c, o, rng::Engine(2024));
}

const Band& the_band() {
  static const Band b = band(kWidth, kAlphaTotal / (2.0 * kDepth * kBatch));
  return b;
}

TEST(EngineKnownBehaviour, BandIsTightEnoughToMeanSomething) {
  const Band& b = the_band();
  // He: ratio = T·2/n must lie in [2lo/n, 2hi/n] ≈ [0.2, 1.7]; PyTorch default: T/(3n).
  const double n = kWidth;
  EXPECT_LT(2.0 * b.hi / n, 6.0 * 0.5);  // the He band excludes a 3× gain per layer
  EXPECT_GT(2.0 * b.lo / n, 1.0 / 6.0);  // … and PyTorch's 1/6 (power against the planted a=√5)
  EXPECT_LT(b.hi / (3.0 * n), 1.0);      // the PyTorch band excludes He's ratio 1
}

TEST(EngineKnownBehaviour, KaimingNormalReluPreservesSecondMoment) {
  const Trace t = run(std::make_shared<testing::GaussianScheme>(2.0));  // Var = 2/fan_in
  const Band& b = the_band();
  const double var_w = 2.0 / kWidth;
  const auto r = ratios(t);
  ASSERT_EQ(r.size(), static_cast<std::size_t>(kDepth));
  for (int l = 0; l < kDepth; ++l) {
    for (double g : r[static_cast<std::size_t>(l)]) {
      EXPECT_GE(g / var_w, b.lo) << "layer " << l;  // T = ratio / Var(W)
      EXPECT_LE(g / var_w, b.hi) << "layer " << l;
    }
  }
}

TEST(EngineKnownBehaviour, TorchDefaultReluDecaysBySixPerLayer) {
  // kaiming_uniform(a=√5) weights only: bias would add 1/(3n) per unit and stop the decay.
  const Trace t = run(std::make_shared<testing::TorchUniformScheme>(false));
  const Band& b = the_band();
  const double var_w = 1.0 / (3.0 * kWidth);
  const auto r = ratios(t);
  for (int l = 0; l < kDepth; ++l) {
    for (double g : r[static_cast<std::size_t>(l)]) {
      EXPECT_GE(g / var_w, b.lo) << "layer " << l;
      EXPECT_LE(g / var_w, b.hi) << "layer " << l;
    }
  }
  // Geometric decay over depth: every sample's ratio is a product of per-layer ratios, each
  // ≤ Var(W)·hi = hi/(3n) ≈ 0.57 by the bands above, so the whole-network ratio is ≤ 0.57¹⁰;
  // He init (ratio ≈ 1) would fail this.
  const double total = t.output.second_moment / t.input.second_moment;
  EXPECT_LT(total, std::pow(b.hi * var_w, kDepth));
  EXPECT_GT(total, std::pow(b.lo * var_w, kDepth));
}

}  // namespace
}  // namespace initcheck::engine
