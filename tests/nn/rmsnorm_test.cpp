// RMSNorm kernel: the exact output second moment, no centring, and the backward formula vs
// central differences of the forward kernel (the engine's gradient tests cover it in networks).

#include <gtest/gtest.h>

#include <cmath>
#include <span>

#include "initcheck/nn/layers.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::nn {
namespace {

using Eigen::Index;
using Eigen::MatrixXf;
using Eigen::VectorXf;

MatrixXf normal(rng::Engine& engine, Index rows, Index cols, float scale, float shift) {
  MatrixXf m(rows, cols);
  rng::fill_normal(engine, std::span<float>(m.data(), static_cast<std::size_t>(m.size())));
  return (m.array() * scale + shift).matrix();
}

// y = z·s with s = 1/√(m + ε) evaluated in double and rounded once per element, so the
// sample's mean of y² is m/(m + ε) up to ~2 float roundings per element: 1e-6 relative is a
// 8× margin over 2·2⁻²⁴ per term, while centring (LayerNorm) would move the mean by O(shift).
TEST(RmsNorm, SecondMomentIsExactAndMeanIsKept) {
  rng::Engine engine(21);
  const double eps = 1e-5;
  for (const Index group : {Index{1}, Index{4}}) {
    const Index rows = 17;
    const Index samples = 6;
    const MatrixXf z = normal(engine, rows, samples * group, 0.5F, 2.0F);
    MatrixXf y(z.rows(), z.cols());
    VectorXf inv(samples);
    rmsnorm_forward(z, eps, group, y, inv);
    for (Index b = 0; b < samples; ++b) {
      const auto zs = z.middleCols(b * group, group).cast<double>();
      const auto ys = y.middleCols(b * group, group).cast<double>();
      const double m = zs.array().square().mean();
      EXPECT_NEAR(ys.array().square().mean(), m / (m + eps), 1e-6) << "sample " << b;
      // No centring: the output mean keeps the input mean's sign and ratio to the RMS.
      EXPECT_NEAR(ys.mean(), zs.mean() / std::sqrt(m + eps), 1e-6) << "sample " << b;
      EXPECT_GT(ys.mean(), 0.9);
    }
  }
}

// L = Σ r ⊙ y. Step 1e-2 in float: truncation h²/6·|∂³L| ≲ 1e-4 and rounding ≲ 1e-4 for these
// O(1) inputs, so 1e-3·max(1, |g|) has margin; dropping the y·mean(g⊙y) term changes g by O(1).
TEST(RmsNorm, GradientMatchesCentralDifferences) {
  rng::Engine engine(22);
  for (const Index group : {Index{1}, Index{3}}) {
    const Index rows = 11;
    const Index samples = 4;
    const Index cols = samples * group;
    const MatrixXf z = normal(engine, rows, cols, 1.1F, 0.3F);
    const MatrixXf r = normal(engine, rows, cols, 1.0F, 0.0F);
    MatrixXf y(rows, cols);
    VectorXf inv(samples);
    rmsnorm_forward(z, 1e-5, group, y, inv);
    MatrixXf grad(rows, cols);
    rmsnorm_backward(y, inv, group, r, grad);
    auto loss = [&](const MatrixXf& zz) {
      MatrixXf yy(rows, cols);
      VectorXf s(samples);
      rmsnorm_forward(zz, 1e-5, group, yy, s);
      return (yy.cast<double>().array() * r.cast<double>().array()).sum();
    };
    const float h = 1e-2F;
    for (Index k = 0; k < z.size(); k += 3) {
      MatrixXf up = z;
      MatrixXf down = z;
      up(k) += h;
      down(k) -= h;
      const double fd = (loss(up) - loss(down)) / (2.0 * h);
      EXPECT_NEAR(fd, grad(k), 1e-3 * std::max(1.0, std::abs(fd))) << "entry " << k;
    }
  }
}

}  // namespace
}  // namespace initcheck::nn
