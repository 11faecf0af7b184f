// Dense, conv2d, BatchNorm and LayerNorm kernels: references in double, exact normalization
// formulas, and analytic gradients vs central differences of the float forward kernels.

#include "initcheck/nn/layers.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <span>
#include <stdexcept>
#include <vector>

#include "gradient_check.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/nn/detail/gemm_avx512.hpp"
#include "initcheck/nn/gemm.hpp"
#include "initcheck/rng/distributions.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::nn {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::MatrixXf;
using Eigen::VectorXf;

constexpr double kU = 0x1p-24;  // float unit roundoff

using testing::check_gradient;
using testing::normal;
using testing::weighted_sum;

// ---------------------------------------------------------------------------------------------
TEST(Gemm, MatchesDoubleProductForAllTransposesAndStrides) {
  rng::Engine engine(11);
  const MatrixXf a_big = normal(engine, 70, 90);
  const MatrixXf b_big = normal(engine, 80, 100);
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      // op(a) is 37 × 41, op(b) is 41 × 53; all are strided blocks of larger matrices.
      const MatrixXf::ConstBlockXpr a =
          ta != 0 ? a_big.block(2, 3, 41, 37) : a_big.block(2, 3, 37, 41);
      const MatrixXf::ConstBlockXpr b =
          tb != 0 ? b_big.block(1, 4, 53, 41) : b_big.block(1, 4, 41, 53);
      const MatrixXd ad =
          ta != 0 ? MatrixXd(a.cast<double>().transpose()) : MatrixXd(a.cast<double>());
      const MatrixXd bd =
          tb != 0 ? MatrixXd(b.cast<double>().transpose()) : MatrixXd(b.cast<double>());
      MatrixXf c_big = MatrixXf::Constant(60, 70, 3.0f);
      gemm(0.5f, a, ta != 0, b, tb != 0, 1.0f, c_big.block(5, 6, 37, 53));
      const MatrixXd expected = (3.0 + 0.5 * (ad * bd).array()).matrix();
      // Summation of 41 terms: |error| ≤ γ_41·Σ|a||b| (+ one rounding of the 3 + … add).
      const MatrixXd bound =
          ((41 + 2) * kU * (0.5 * ad.cwiseAbs() * bd.cwiseAbs()).array() + 3.0 * kU).matrix();
      const MatrixXd err = (c_big.block(5, 6, 37, 53).cast<double>() - expected).cwiseAbs();
      EXPECT_TRUE((err.array() <= bound.array()).all()) << "ta=" << ta << " tb=" << tb;
      EXPECT_EQ(c_big(0, 0), 3.0f);  // outside the block untouched
      // beta = 0 overwrites.
      MatrixXf c(37, 53);
      c.setConstant(std::nanf(""));
      gemm(1.0f, a, ta != 0, b, tb != 0, 0.0f, c);
      EXPECT_TRUE(((c.cast<double>() - ad * bd).cwiseAbs().array() <=
                   (43 * kU * (ad.cwiseAbs() * bd.cwiseAbs()).array()))
                      .all());
    }
  }
  MatrixXf wrong(3, 3);
  EXPECT_THROW(gemm(1.0f, a_big, false, b_big, false, 0.0f, wrong), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// gemm_column_groups: one call for all groups and one call per group give bit-identical
// columns (the engine's one- vs two-thread paths), and both match the double product; for the
// build's kernel (the AVX-512 one where available) and for Eigen's (detail::). Uneven groups
// (38, 39: partial 8-column panels); widths covering every edge of the AVX-512 kernel: 7 (one
// masked half panel), 50 (a masked second half), 300 (two row blocks, two k-blocks), 1030 (five
// k-blocks, a 6-row tail); ≥ 48 for Eigen's blocking heuristic to apply.
using ColumnGroupsFn = void (*)(const Eigen::Ref<const MatrixXf>&,
                                const Eigen::Ref<const MatrixXf>&, Eigen::Ref<MatrixXf>,
                                std::span<const Index>, int, int);

void expect_column_groups_independent_and_correct(ColumnGroupsFn gemm_column_groups) {
  rng::Engine engine(12);
  for (const Index width : {Index{7}, Index{50}, Index{300}, Index{1030}}) {
    const MatrixXf a = normal(engine, width, width);
    const MatrixXf b = normal(engine, width, 77);
    const std::vector<Index> starts = {0, 38, 77};
    MatrixXf together = MatrixXf::Constant(width, 77, std::nanf(""));
    gemm_column_groups(a, b, together, starts, 0, 2);
    MatrixXf apart = MatrixXf::Constant(width, 77, std::nanf(""));
    gemm_column_groups(a, b, apart, starts, 0, 1);
    gemm_column_groups(a, b, apart, starts, 1, 2);
    EXPECT_TRUE((together.array() == apart.array()).all()) << width;
    // Strided operands (blocks of larger matrices) give the same bits.
    MatrixXf a_big = normal(engine, width + 3, width + 1);
    MatrixXf b_big = normal(engine, width + 5, 78);
    MatrixXf c_big = MatrixXf::Constant(width + 2, 78, std::nanf(""));
    a_big.topLeftCorner(width, width) = a;
    b_big.bottomRightCorner(width, 77) = b;
    gemm_column_groups(a_big.topLeftCorner(width, width), b_big.bottomRightCorner(width, 77),
                       c_big.bottomLeftCorner(width, 77), starts, 0, 2);
    EXPECT_TRUE((c_big.bottomLeftCorner(width, 77).array() == together.array()).all()) << width;
    EXPECT_TRUE(c_big.topRows(2).array().isNaN().all()) << "wrote outside the output block";
    const MatrixXd ad = a.cast<double>();
    const MatrixXd bd = b.cast<double>();
    // Summation of `width` terms: |error| ≤ γ_width·Σ|a||b|.
    const MatrixXd bound =
        (static_cast<double>(width + 2) * kU * (ad.cwiseAbs() * bd.cwiseAbs()).array()).matrix();
    EXPECT_TRUE(((together.cast<double>() - ad * bd).cwiseAbs().array() <= bound.array()).all())
        << width;
  }
  MatrixXf c(3, 3);
  const std::vector<Index> bad = {0, 4};
  EXPECT_THROW(gemm_column_groups(MatrixXf(3, 3), MatrixXf(3, 3), c, bad, 0, 1),
               std::invalid_argument);
}

TEST(Gemm, ColumnGroupsIndependentOfTheSplitAndCorrect) {
  expect_column_groups_independent_and_correct(&gemm_column_groups);
}

TEST(Gemm, EigenColumnGroupsIndependentOfTheSplitAndCorrect) {
  expect_column_groups_independent_and_correct(&detail::eigen_gemm_column_groups);
}

/// True if the running CPU has AVX-512F (asked independently of the kernel's own check).
bool cpu_has_avx512f() {
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
  __builtin_cpu_init();
  return static_cast<bool>(__builtin_cpu_supports("avx512f"));
#else
  return false;
#endif
}

// The AVX-512 kernel is chosen at run time whatever the build's -march: a portable
// (x86-64-v3) build on an AVX-512 CPU runs it, bit for bit (a build that compiled it out, as
// before issue #14, fails the first check on such a CPU). Elsewhere calling it is refused.
TEST(Gemm, ColumnGroupsRunTheAvx512KernelWhereverTheCpuHasIt) {
  ASSERT_EQ(detail::avx512_gemm_available(), cpu_has_avx512f());
  rng::Engine engine(13);
  const MatrixXf a = normal(engine, 300, 300);  // two k-blocks, two row blocks
  const MatrixXf b = normal(engine, 300, 77);
  const std::vector<Index> starts = {0, 38, 77};
  Eigen::VectorXf workspace(detail::avx512_gemm_workspace(300, 300, starts, 0, 2));
  MatrixXf direct(300, 77);
  if (!detail::avx512_gemm_available()) {
    EXPECT_THROW(detail::avx512_gemm_column_groups(a, b, direct, starts, 0, 2, workspace.data()),
                 std::logic_error);
    GTEST_SKIP() << "CPU has no AVX-512F";
  }
  detail::avx512_gemm_column_groups(a, b, direct, starts, 0, 2, workspace.data());
  MatrixXf dispatched(300, 77);
  gemm_column_groups(a, b, dispatched, starts, 0, 2);
  EXPECT_TRUE((dispatched.array() == direct.array()).all());
  // The comparison can tell the kernels apart: Eigen's sums in another order.
  MatrixXf eigen(300, 77);
  detail::eigen_gemm_column_groups(a, b, eigen, starts, 0, 2);
  EXPECT_FALSE((eigen.array() == direct.array()).all());
}

// ---------------------------------------------------------------------------------------------
TEST(Dense, ForwardMatchesDoubleAndGradientsMatchCentralDifferences) {
  rng::Engine engine(1);
  const Index in = 16;
  const Index out = 8;
  const Index batch = 5;
  const MatrixXf w = normal(engine, out, in, 0.25);
  const VectorXf b = normal(engine, out, 1);
  const MatrixXf h = normal(engine, in, batch);
  const MatrixXf r = normal(engine, out, batch);
  MatrixXf z(out, batch);
  dense_forward(w, b, h, z);
  const MatrixXd ref = (w.cast<double>() * h.cast<double>()).colwise() + b.cast<double>();
  // γ_(in+1) bound on Σ|w||h| + |b|.
  const MatrixXd bound = static_cast<double>(in + 2) * kU *
                         ((w.cast<double>().cwiseAbs() * h.cast<double>().cwiseAbs()).colwise() +
                          b.cast<double>().cwiseAbs());
  EXPECT_TRUE(((z.cast<double>() - ref).cwiseAbs().array() <= bound.array()).all());

  MatrixXf grad_h(in, batch);
  MatrixXf grad_w(out, in);
  VectorXf grad_b(out);
  dense_backward(w, h, r, grad_h, grad_w, grad_b);

  // L is linear in h, W and b, so the central difference has no truncation error for any step;
  // h = 0.5 makes the float rounding of the forward outputs (≤ γ_17·Σ|w||h| per output, ≲ 1e-5
  // in total over the 40 outputs) negligible after dividing by 2h: 1e-4 absolute is ≥ 10× that.
  const auto tol = [](double) { return 1e-4; };
  auto loss_h = [&](const MatrixXf& hh) {
    MatrixXf zz(out, batch);
    dense_forward(w, b, hh, zz);
    return weighted_sum(zz, r);
  };
  check_gradient("dense grad_h", h, grad_h, 0.5, 40, loss_h, tol);
  auto loss_w = [&](const MatrixXf& ww) {
    MatrixXf zz(out, batch);
    dense_forward(ww, b, h, zz);
    return weighted_sum(zz, r);
  };
  check_gradient("dense grad_w", w, grad_w, 0.5, 40, loss_w, tol);
  auto loss_b = [&](const MatrixXf& bb) {
    MatrixXf zz(out, batch);
    dense_forward(w, VectorXf(bb.col(0)), h, zz);
    return weighted_sum(zz, r);
  };
  check_gradient("dense grad_b", MatrixXf(b), MatrixXf(grad_b), 0.5, 8, loss_b, tol);

  // Empty grad_h / grad_w / grad_b are skipped.
  MatrixXf none(0, 0);
  VectorXf none_b(0);
  EXPECT_NO_THROW(dense_backward(w, h, r, none, grad_w, none_b));
}

// ---------------------------------------------------------------------------------------------
/// Naive nested-loop convolution in double.
MatrixXd conv_reference(const Conv2dShape& s, const MatrixXf& w, const VectorXf& bias,
                        const MatrixXf& x, bool absolute) {
  const int oh = s.out_height();
  const int ow = s.out_width();
  const Index cin_g = s.in_channels / s.groups;
  const Index cout_g = s.out_channels / s.groups;
  MatrixXd z = MatrixXd::Zero(s.out_channels, s.batch * oh * ow);
  for (Index b = 0; b < s.batch; ++b) {
    for (Index o = 0; o < s.out_channels; ++o) {
      const Index g = o / cout_g;
      for (int oy = 0; oy < oh; ++oy) {
        for (int ox = 0; ox < ow; ++ox) {
          double acc = bias.size() != 0 ? (absolute ? std::abs(bias[o]) : bias[o]) : 0.0;
          for (Index c = 0; c < cin_g; ++c) {
            for (int ky = 0; ky < s.kernel; ++ky) {
              for (int kx = 0; kx < s.kernel; ++kx) {
                const int iy = oy * s.stride - s.padding + ky;
                const int ix = ox * s.stride - s.padding + kx;
                if (iy < 0 || iy >= s.height || ix < 0 || ix >= s.width) continue;
                const double wv = w(o, (c * s.kernel + ky) * s.kernel + kx);
                const double xv = x(g * cin_g + c, (b * s.height + iy) * s.width + ix);
                acc += absolute ? std::abs(wv * xv) : wv * xv;
              }
            }
          }
          z(o, (b * oh + oy) * ow + ox) = acc;
        }
      }
    }
  }
  return z;
}

struct ConvCase {
  Index cin, cout;
  int kernel, stride, padding, groups, height, width;
  Index batch;
};

Conv2dShape shape_of(const ConvCase& c) {
  Conv2dShape s;
  s.in_channels = c.cin;
  s.out_channels = c.cout;
  s.kernel = c.kernel;
  s.stride = c.stride;
  s.padding = c.padding;
  s.groups = c.groups;
  s.height = c.height;
  s.width = c.width;
  s.batch = c.batch;
  return s;
}

const ConvCase kConvCases[] = {
    {4, 6, 3, 1, 1, 1, 7, 6, 2}, {4, 6, 3, 2, 1, 1, 7, 6, 2}, {4, 6, 3, 2, 0, 2, 7, 8, 3},
    {4, 6, 1, 1, 0, 1, 5, 5, 2}, {4, 6, 1, 1, 0, 2, 5, 5, 2}, {4, 4, 1, 2, 1, 2, 5, 6, 2},
    {6, 4, 3, 1, 0, 2, 6, 5, 1}, {2, 2, 3, 1, 1, 2, 4, 4, 3},
};

TEST(Conv2d, ForwardMatchesNaiveDoubleReference) {
  rng::Engine engine(2);
  for (const ConvCase& c : kConvCases) {
    const Conv2dShape s = shape_of(c);
    const Index k_g = c.cin / c.groups * c.kernel * c.kernel;
    const MatrixXf w = normal(engine, c.cout, k_g, 0.3);
    const VectorXf bias = normal(engine, c.cout, 1);
    const MatrixXf x = normal(engine, c.cin, c.batch * c.height * c.width);
    MatrixXf z(c.cout, c.batch * s.out_height() * s.out_width());
    VectorXf ws(std::max<std::int64_t>(1, s.workspace_size()));
    conv2d_forward(s, w, bias, x, z, ws);
    const MatrixXd ref = conv_reference(s, w, bias, x, false);
    // Each output is a sum of ≤ k_g + 1 products: |error| ≤ γ_(k_g+2)·Σ|w x| (+|bias|).
    const MatrixXd bound =
        static_cast<double>(k_g + 3) * kU * conv_reference(s, w, bias, x, true).array();
    const MatrixXd err = (z.cast<double>() - ref).cwiseAbs();
    EXPECT_TRUE((err.array() <= bound.array()).all())
        << "k=" << c.kernel << " s=" << c.stride << " p=" << c.padding << " g=" << c.groups
        << " max err " << err.maxCoeff();
    // Without bias too.
    conv2d_forward(s, w, VectorXf(0), x, z, ws);
    const MatrixXd ref0 = conv_reference(s, w, VectorXf(0), x, false);
    EXPECT_TRUE(((z.cast<double>() - ref0).cwiseAbs().array() <= bound.array()).all());
  }
}

TEST(Conv2d, ChunkedWorkspaceMatchesReference) {
  // 64 channels · 9 taps · 16·16 pixels = 147456 floats per sample: the 2^20-float chunk
  // holds 7 samples, so batch 9 runs a full and a partial chunk.
  rng::Engine engine(3);
  const ConvCase c{64, 8, 3, 1, 1, 1, 16, 16, 9};
  const Conv2dShape s = shape_of(c);
  EXPECT_LT(s.workspace_size(), 64 * 9 * 256 * 9);
  const MatrixXf w = normal(engine, c.cout, Index{64} * 9, 0.1);
  const MatrixXf x = normal(engine, c.cin, c.batch * 256);
  MatrixXf z(c.cout, c.batch * 256);
  VectorXf ws(s.workspace_size());
  conv2d_forward(s, w, VectorXf(0), x, z, ws);
  const MatrixXd ref = conv_reference(s, w, VectorXf(0), x, false);
  const MatrixXd bound = (64 * 9 + 3) * kU * conv_reference(s, w, VectorXf(0), x, true).array();
  EXPECT_TRUE(((z.cast<double>() - ref).cwiseAbs().array() <= bound.array()).all());

  // Backward across chunks: grad_w accumulates over both chunks. Naive double reference
  // grad_w(o, (c·3+ky)·3+kx) = Σ_(b,pixel) r(o, pixel)·x(c, shifted pixel); each entry sums
  // N = 9·256 products, so |error| ≤ γ_(N+1)·Σ|r x|.
  const MatrixXf r = normal(engine, c.cout, c.batch * 256);
  MatrixXf grad_w(c.cout, 64 * 9);
  MatrixXf grad_x(c.cin, c.batch * 256);
  VectorXf grad_b(0);
  conv2d_backward(s, w, x, r, grad_x, grad_w, grad_b, ws);
  MatrixXd gw = MatrixXd::Zero(c.cout, Index{64} * 9);
  MatrixXd gw_abs = MatrixXd::Zero(c.cout, Index{64} * 9);
  MatrixXd gx = MatrixXd::Zero(c.cin, c.batch * 256);
  for (Index b = 0; b < c.batch; ++b) {
    for (int oy = 0; oy < 16; ++oy) {
      for (int ox = 0; ox < 16; ++ox) {
        for (int ky = 0; ky < 3; ++ky) {
          for (int kx = 0; kx < 3; ++kx) {
            const int iy = oy - 1 + ky;
            const int ix = ox - 1 + kx;
            if (iy < 0 || iy >= 16 || ix < 0 || ix >= 16) continue;
            for (Index o = 0; o < c.cout; ++o) {
              const double rv = r(o, (b * 16 + oy) * 16 + ox);
              for (Index ch = 0; ch < 64; ++ch) {
                const double xv = x(ch, (b * 16 + iy) * 16 + ix);
                gw(o, (ch * 3 + ky) * 3 + kx) += rv * xv;
                gw_abs(o, (ch * 3 + ky) * 3 + kx) += std::abs(rv * xv);
                gx(ch, (b * 16 + iy) * 16 + ix) += rv * w(o, (ch * 3 + ky) * 3 + kx);
              }
            }
          }
        }
      }
    }
  }
  EXPECT_TRUE(
      ((grad_w.cast<double>() - gw).cwiseAbs().array() <= (9 * 256 + 2) * kU * gw_abs.array())
          .all());
  // grad_x entries sum ≤ 8·9 products of |r w| ≲ 0.3 each, plus col2im adds: 1e-5 ≥ γ_80·Σ.
  EXPECT_LT((grad_x.cast<double>() - gx).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(Conv2d, GradientsMatchCentralDifferences) {
  rng::Engine engine(4);
  for (const ConvCase& c : kConvCases) {
    const Conv2dShape s = shape_of(c);
    const Index k_g = c.cin / c.groups * c.kernel * c.kernel;
    const Index out_cols = c.batch * s.out_height() * s.out_width();
    const MatrixXf w = normal(engine, c.cout, k_g, 0.3);
    const VectorXf bias = normal(engine, c.cout, 1);
    const MatrixXf x = normal(engine, c.cin, c.batch * c.height * c.width);
    const MatrixXf r = normal(engine, c.cout, out_cols);
    VectorXf ws(std::max<std::int64_t>(1, s.workspace_size()));
    MatrixXf grad_x = MatrixXf::Constant(x.rows(), x.cols(), 7.0f);  // must be overwritten
    MatrixXf grad_w = MatrixXf::Constant(w.rows(), w.cols(), 7.0f);
    VectorXf grad_b(c.cout);
    conv2d_backward(s, w, x, r, grad_x, grad_w, grad_b, ws);
    // Linear in x, w and b: no truncation error; with step 0.5 the float rounding of the
    // outputs (≤ γ_(k_g+2)·Σ|w x| ≈ 1e-6 each, a few hundred outputs) is ≤ 1e-5 after /2h.
    const auto tol = [](double) { return 1e-4; };
    auto forward_loss = [&](const MatrixXf& ww, const VectorXf& bb, const MatrixXf& xx) {
      MatrixXf zz(c.cout, out_cols);
      VectorXf wss(std::max<std::int64_t>(1, s.workspace_size()));
      conv2d_forward(s, ww, bb, xx, zz, wss);
      return weighted_sum(zz, r);
    };
    const std::string label = "conv k=" + std::to_string(c.kernel) +
                              " s=" + std::to_string(c.stride) + " p=" + std::to_string(c.padding) +
                              " g=" + std::to_string(c.groups);
    check_gradient((label + " grad_x").c_str(), x, grad_x, 0.5, 60,
                   [&](const MatrixXf& xx) { return forward_loss(w, bias, xx); }, tol);
    check_gradient((label + " grad_w").c_str(), w, grad_w, 0.5, 60,
                   [&](const MatrixXf& ww) { return forward_loss(ww, bias, x); }, tol);
    check_gradient((label + " grad_b").c_str(), MatrixXf(bias), MatrixXf(grad_b), 0.5, 8,
                   [&](const MatrixXf& bb) { return forward_loss(w, VectorXf(bb.col(0)), x); },
                   tol);
  }
}

// ---------------------------------------------------------------------------------------------
/// Checks one normalization group: mean ≈ 0 and variance = σ²/(σ² + ε) with σ² the biased
/// variance of the float input computed in double. Each y is (z − μ)/√(σ²+ε) evaluated in
/// double and rounded once (relative error ≤ u), so |mean(y)| ≤ u·mean|y| ≤ u·√Var and the
/// variance has relative error ≤ 2u + O(u²): tolerances 2u·√target and 4u·target.
void expect_normalized(const std::vector<double>& z, const std::vector<double>& y, double eps,
                       const char* what) {
  const auto n = static_cast<double>(z.size());
  double mz = 0.0;
  for (const double v : z) mz += v;
  mz /= n;
  double var_z = 0.0;
  for (const double v : z) var_z += (v - mz) * (v - mz);
  var_z /= n;
  const double target = var_z / (var_z + eps);
  double my = 0.0;
  for (const double v : y) my += v;
  my /= n;
  double var_y = 0.0;
  for (const double v : y) var_y += v * v;
  var_y = var_y / n - my * my;
  EXPECT_LE(std::abs(my), 2 * kU * std::sqrt(target) + 1e-300) << what;
  EXPECT_NEAR(var_y, target, 4 * kU * target) << what << " σ²=" << var_z;
}

TEST(BatchNorm, RowsHaveExactMeanAndVariance) {
  rng::Engine engine(5);
  const double eps = 1e-5;
  // 37 rows (two 16-row blocks + 5 single rows); row scales cycle through σ = 1, 1e-4 (ε
  // dominates: Var(y) ≈ 1e-3), 1e4 (huge), 0.01, 3 with means up to 50.
  const double scales[] = {1.0, 1e-4, 1e4, 0.01, 3.0};
  const Index rows = 37;
  const Index cols = 300;
  MatrixXf z(rows, cols);
  for (Index i = 0; i < rows; ++i) {
    z.row(i) = normal(engine, 1, cols, scales[i % 5], static_cast<double>(i % 7) * 7.0 - 20.0);
  }
  MatrixXf y(rows, cols);
  VectorXf mean(rows);
  VectorXf inv_std(rows);
  batchnorm_forward(z, eps, y, mean, inv_std);
  for (Index i = 0; i < rows; ++i) {
    std::vector<double> zr(static_cast<std::size_t>(cols));
    std::vector<double> yr(static_cast<std::size_t>(cols));
    for (Index j = 0; j < cols; ++j) {
      zr[static_cast<std::size_t>(j)] = z(i, j);
      yr[static_cast<std::size_t>(j)] = y(i, j);
    }
    expect_normalized(zr, yr, eps, "batchnorm row");
    const double mu = z.row(i).cast<double>().mean();
    const double var = (z.row(i).cast<double>().array() - mu).square().mean();
    // Saved statistics are the double values rounded to float.
    EXPECT_NEAR(mean[i], mu, kU * std::abs(mu) + 1e-12);
    EXPECT_NEAR(inv_std[i], 1.0 / std::sqrt(var + eps), 2 * kU / std::sqrt(var + eps));
  }
  // Tiny variance with ε: Var(y) ≈ 1e-8/(1e-8 + 1e-5) ≈ 1e-3, far from 1.
  const double tiny_var =
      (z.row(1).cast<double>().array() - z.row(1).cast<double>().mean()).square().mean();
  EXPECT_LT(tiny_var / (tiny_var + eps), 2e-3);
}

TEST(BatchNorm, StridedInputAndOutput) {
  rng::Engine engine(6);
  const MatrixXf big = normal(engine, 20, 50, 2.0, 1.0);
  MatrixXf y_big = MatrixXf::Zero(20, 50);
  VectorXf mean(17);
  VectorXf inv_std(17);
  batchnorm_forward(big.middleRows(2, 17), 1e-5, y_big.middleRows(3, 17), mean, inv_std);
  MatrixXf y(17, 50);
  batchnorm_forward(MatrixXf(big.middleRows(2, 17)), 1e-5, y, mean, inv_std);
  EXPECT_EQ(MatrixXf(y_big.middleRows(3, 17)), y);
  EXPECT_EQ(y_big.row(0).squaredNorm(), 0.0f);
}

TEST(LayerNorm, ColumnsAndSampleGroupsHaveExactMeanAndVariance) {
  rng::Engine engine(7);
  const double eps = 1e-5;
  const double scales[] = {1.0, 1e-4, 1e4, 0.3};
  for (const Index group : {Index{1}, Index{6}}) {
    const Index rows = 23;
    const Index samples = 8;
    MatrixXf z(rows, samples * group);
    for (Index b = 0; b < samples; ++b) {
      z.middleCols(b * group, group) =
          normal(engine, rows, group, scales[b % 4], static_cast<double>(b) - 3.0);
    }
    MatrixXf y(z.rows(), z.cols());
    VectorXf mean(samples);
    VectorXf inv_std(samples);
    layernorm_forward(z, eps, group, y, mean, inv_std);
    for (Index b = 0; b < samples; ++b) {
      std::vector<double> zs;
      std::vector<double> ys;
      for (Index j = b * group; j < (b + 1) * group; ++j) {
        for (Index i = 0; i < rows; ++i) {
          zs.push_back(z(i, j));
          ys.push_back(y(i, j));
        }
      }
      expect_normalized(zs, ys, eps, group == 1 ? "layernorm column" : "layernorm sample");
    }
  }
}

/// Gradient check for a normalization layer. L is not linear: step h = 1e-2 gives truncation
/// h²/6·|∂³L/∂z³| ≲ 2e-5·|∂³L| and rounding ≤ √n·u·Σ|r y|/(2h) ≈ 1e-5 (n ≈ 100 outputs change);
/// inputs have σ ≈ 1, so |∂³L| = O(10) and 1e-3·max(1, |g|) is a ≥ 5× margin.
TEST(BatchNorm, GradientMatchesCentralDifferences) {
  rng::Engine engine(8);
  const Index rows = 19;
  const Index cols = 24;
  const MatrixXf z = normal(engine, rows, cols, 1.5, 0.7);
  const MatrixXf r = normal(engine, rows, cols);
  MatrixXf y(rows, cols);
  VectorXf mean(rows);
  VectorXf inv_std(rows);
  batchnorm_forward(z, 1e-5, y, mean, inv_std);
  MatrixXf grad_z(rows, cols);
  batchnorm_backward(y, inv_std, r, grad_z);
  auto loss = [&](const MatrixXf& zz) {
    MatrixXf yy(rows, cols);
    VectorXf m(rows);
    VectorXf s(rows);
    batchnorm_forward(zz, 1e-5, yy, m, s);
    return weighted_sum(yy, r);
  };
  check_gradient("batchnorm", z, grad_z, 1e-2, 80, loss,
                 [](double g) { return 1e-3 * std::max(1.0, std::abs(g)); });
  // Gradient of a per-row sum is zero (BN output rows have fixed mean): planted-bug power.
  EXPECT_LT(grad_z.rowwise().sum().cwiseAbs().maxCoeff(), 1e-4);
}

TEST(LayerNorm, GradientMatchesCentralDifferences) {
  rng::Engine engine(9);
  for (const Index group : {Index{1}, Index{4}}) {
    const Index rows = 13;
    const Index cols = 5 * group;
    const MatrixXf z = normal(engine, rows, cols, 1.2, -0.4);
    const MatrixXf r = normal(engine, rows, cols);
    MatrixXf y(rows, cols);
    VectorXf mean(5);
    VectorXf inv_std(5);
    layernorm_forward(z, 1e-5, group, y, mean, inv_std);
    MatrixXf grad_z(rows, cols);
    layernorm_backward(y, inv_std, group, r, grad_z);
    auto loss = [&](const MatrixXf& zz) {
      MatrixXf yy(rows, cols);
      VectorXf m(5);
      VectorXf s(5);
      layernorm_forward(zz, 1e-5, group, yy, m, s);
      return weighted_sum(yy, r);
    };
    check_gradient("layernorm", z, grad_z, 1e-2, 80, loss,
                   [](double g) { return 1e-3 * std::max(1.0, std::abs(g)); });
  }
}

TEST(Layers, RejectBadShapes) {
  Conv2dShape s;
  s.in_channels = 3;
  s.groups = 2;
  EXPECT_THROW((void)s.workspace_size(), InputError);
  MatrixXf z(3, 4);
  MatrixXf y(3, 5);
  VectorXf m(3);
  VectorXf v(3);
  EXPECT_THROW(batchnorm_forward(z, 1e-5, y, m, v), std::invalid_argument);
  EXPECT_THROW(layernorm_forward(z, 1e-5, 3, z, m, v), std::invalid_argument);
}

}  // namespace
}  // namespace initcheck::nn
