// Orthogonal init: exact orthogonality, declared variance, Haar sign correction.
#include <gtest/gtest.h>

#include <Eigen/QR>
#include <limits>
#include <span>
#include <string>

#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/spec_parser.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::init {
namespace {

// W = fl(g·Q) entry by entry with relative error ≤ u = 2⁻²⁴, so each entry of WᵀW (or WWᵀ)
// differs from g²·(QᵀQ) by at most g²·Σ|q_ij||q_ik|·(2u + u²) ≤ g²·ε_f·(1 + u) (Cauchy–Schwarz
// on unit columns), plus the double-precision QR's loss of orthogonality ≈ m·ε_d. Tolerance:
// g²·(ε_f + 64·m·ε_d) — far below float eps × size, and an unnormalized or non-orthogonal
// Q misses it by orders of magnitude.
void expect_orthogonal(Eigen::Index rows, Eigen::Index cols, const std::string& gain_text,
                       double gain) {
  const FanInfo fan = dense_fan(cols, rows);
  const auto scheme = parse_init_spec("orthogonal(gain=" + gain_text + ")", builtin_registry());
  Eigen::MatrixXf w(rows, cols);
  rng::Engine engine(42);
  scheme->fill_weights(fan, w, engine);
  const Eigen::MatrixXd wd = w.cast<double>();
  const Eigen::MatrixXd gram =
      rows <= cols ? Eigen::MatrixXd(wd * wd.transpose()) : Eigen::MatrixXd(wd.transpose() * wd);
  const double g2 = gain * gain;
  const auto m = static_cast<double>(std::max(rows, cols));
  const double tol = g2 * (std::numeric_limits<float>::epsilon() +
                           64 * m * std::numeric_limits<double>::epsilon());
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(gram.rows(), gram.cols());
  EXPECT_LE((gram - g2 * identity).cwiseAbs().maxCoeff(), tol) << rows << "×" << cols;

  // Declared variance gain²/max(rows, cols): the mean of w² over the matrix is exactly
  // g²·min/(rows·cols) = g²/max (trace of the Gram matrix), up to the same rounding.
  const WeightLaw law = scheme->weight_law(fan);
  EXPECT_FALSE(law.independent_entries);
  EXPECT_NEAR(law.variance, g2 / m, 1e-15 * g2);
  EXPECT_NEAR(wd.squaredNorm() / static_cast<double>(w.size()), law.variance, tol / m);
  EXPECT_LE(w.cwiseAbs().maxCoeff(), law.support_bound * (1 + 1e-6));
  EXPECT_NEAR(law.kurtosis, 3 * m / (m + 2), 1e-12);
}

TEST(Orthogonal, TallWideAndSquare) {
  expect_orthogonal(300, 200, "1", 1.0);
  expect_orthogonal(200, 300, "1.5", 1.5);
  expect_orthogonal(256, 256, "sqrt(2)", std::sqrt(2.0));
  expect_orthogonal(1, 7, "1", 1.0);
  expect_orthogonal(7, 1, "2", 2.0);
}

TEST(Orthogonal, ConvWeightsAreFlattened) {
  const FanInfo conv{16, 32, 9, 1};  // 32 × 144: rows orthonormal
  const auto scheme = parse_init_spec("orthogonal", builtin_registry());
  Eigen::MatrixXf w(32, 144);
  rng::Engine engine(3);
  scheme->fill_weights(conv, w, engine);
  const Eigen::MatrixXd wd = w.cast<double>();
  EXPECT_LE((wd * wd.transpose() - Eigen::MatrixXd::Identity(32, 32)).cwiseAbs().maxCoeff(),
            std::numeric_limits<float>::epsilon() + 64 * 144 * 2.3e-16);
}

// Without the sign(diag R) correction, Householder QR always gives Q(0,0) = −|a₀₀|/‖a₀‖ < 0,
// so Q is not Haar. With it, Q(0,0) is symmetric: among 400 independent 4×4 draws the count of
// positive Q(0,0) is Binomial(400, 1/2) (sd 10); [120, 280] is ±8 sd, α < 1e-14. The same
// count on uncorrected QR (power) is 0.
TEST(Orthogonal, SignCorrectionMakesEntriesSymmetric) {
  const auto scheme = parse_init_spec("orthogonal", builtin_registry());
  const FanInfo fan = dense_fan(4, 4);
  const rng::Engine master(11);
  int positive = 0;
  int positive_uncorrected = 0;
  for (std::uint64_t i = 0; i < 400; ++i) {
    Eigen::MatrixXf w(4, 4);
    rng::Engine engine = master.split(i);
    scheme->fill_weights(fan, w, engine);
    positive += w(0, 0) > 0 ? 1 : 0;

    Eigen::MatrixXd a(4, 4);
    rng::Engine raw = master.split(1000 + i);
    rng::fill_normal(raw, std::span<double>(a.data(), 16));
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    const Eigen::MatrixXd q = qr.householderQ();
    positive_uncorrected += q(0, 0) > 0 ? 1 : 0;
  }
  EXPECT_GE(positive, 120);
  EXPECT_LE(positive, 280);
  EXPECT_TRUE(positive_uncorrected == 0 || positive_uncorrected == 400);
}

}  // namespace
}  // namespace initcheck::init
