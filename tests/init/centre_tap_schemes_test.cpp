// identity (ZerO) and delta_orthogonal: exact matrices, honest entry-average laws, kernels that
// are zero off the centre tap, and delta_orthogonal = orthogonal on dense layers.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/spec_parser.hpp"

namespace initcheck::init {
namespace {

Eigen::MatrixXf fill(const std::string& spec, const FanInfo& fan, std::uint64_t seed = 7) {
  Eigen::MatrixXf w(fan.rows(), fan.cols());
  rng::Engine engine(seed);
  parse_init_spec(spec, builtin_registry())->fill_weights(fan, w, engine);
  return w;
}

/// The declared law's variance and kurtosis are the averages over the entries (mean 0).
void expect_entry_averages(const std::string& spec, const FanInfo& fan, const Eigen::MatrixXf& w) {
  const WeightLaw law = parse_init_spec(spec, builtin_registry())->weight_law(fan);
  const Eigen::ArrayXXd a = w.cast<double>().array();
  const double m2 = a.square().mean();
  const double m4 = a.square().square().mean();
  EXPECT_FALSE(law.independent_entries) << spec;
  EXPECT_TRUE(law.centre_tap_only) << spec;  // the oracle puts the variance on the centre tap
  EXPECT_EQ(law.mean, 0.0) << spec;
  // Entries are float roundings (relative error ≤ 2⁻²⁴) of exact values; the orthogonal QR adds
  // ≈ m·ε_double. 1e-6 relative covers both, and a wrong formula (a missing k² or √p) misses
  // by a factor ≥ 2.
  EXPECT_NEAR(m2, law.variance, 1e-6 * law.variance) << spec;
  EXPECT_LE(a.abs().maxCoeff(), law.support_bound * (1 + 1e-6)) << spec;
  if (spec.starts_with("identity")) {
    EXPECT_NEAR(m4 / (m2 * m2), law.kurtosis, 1e-5 * law.kurtosis) << spec;
  }
}

TEST(Identity, SquareIsGainTimesIdentity) {
  const FanInfo fan = dense_fan(6, 6);
  const Eigen::MatrixXf w = fill("identity(gain=1.5)", fan);
  EXPECT_EQ(w, Eigen::MatrixXf(1.5F * Eigen::MatrixXf::Identity(6, 6)));
  expect_entry_averages("identity(gain=1.5)", fan, w);
  EXPECT_FALSE(parse_init_spec("identity", builtin_registry())->weight_law(fan).mean_field);
}

TEST(Identity, IsDeterministic) {
  const FanInfo fan = dense_fan(5, 12);
  EXPECT_EQ(fill("identity", fan, 1), fill("identity", fan, 2));
}

TEST(Identity, NarrowingIsAPartialIdentity) {
  const FanInfo fan = dense_fan(7, 4);  // W is 4 × 7
  const Eigen::MatrixXf w = fill("identity", fan);
  EXPECT_EQ(w, Eigen::MatrixXf(Eigen::MatrixXf::Identity(4, 7)));
  expect_entry_averages("identity", fan, w);
}

TEST(Identity, ExpandingIsATruncatedHadamard) {
  for (const std::int64_t out : {8, 12}) {  // p = 8 and p = 16
    const FanInfo fan = dense_fan(3, out);
    const Eigen::MatrixXf w = fill("identity(gain=2)", fan);
    const double p = static_cast<double>(std::bit_ceil(static_cast<std::uint64_t>(out)));
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        const int sign = (std::popcount(static_cast<std::uint64_t>(i & j)) % 2 == 0) ? 1 : -1;
        EXPECT_FLOAT_EQ(w(i, j), static_cast<float>(sign * 2.0 / std::sqrt(p)));
      }
    }
    expect_entry_averages("identity(gain=2)", fan, w);
  }
}

TEST(Identity, ConvPutsTheBlockAtTheCentreTapOfEachGroup) {
  const FanInfo fan{4, 4, 9, 2};  // 2 groups of 2 → 2 channels; W is 4 × (2·9)
  const Eigen::MatrixXf w = fill("identity", fan);
  for (Eigen::Index o = 0; o < 4; ++o) {
    for (Eigen::Index c = 0; c < 18; ++c) {
      const bool centre = c % 9 == 4;
      const bool diagonal = c / 9 == o % 2;  // in-group channel = out channel within the group
      EXPECT_EQ(w(o, c), centre && diagonal ? 1.0F : 0.0F) << o << "," << c;
    }
  }
  expect_entry_averages("identity", fan, w);
}

TEST(Identity, NonSquareKernelIsAnInputError) {
  const FanInfo fan{4, 4, 6, 1};
  EXPECT_THROW((void)parse_init_spec("identity", builtin_registry())->weight_law(fan), InputError);
}

TEST(DeltaOrthogonal, DenseLayerIsOrthogonalDrawForDraw) {
  for (const FanInfo& fan : {dense_fan(9, 5), dense_fan(5, 9)}) {
    EXPECT_EQ(fill("delta_orthogonal(gain=1.3)", fan), fill("orthogonal(gain=1.3)", fan));
    const WeightLaw d =
        parse_init_spec("delta_orthogonal(gain=1.3)", builtin_registry())->weight_law(fan);
    const WeightLaw o =
        parse_init_spec("orthogonal(gain=1.3)", builtin_registry())->weight_law(fan);
    EXPECT_DOUBLE_EQ(d.variance, o.variance);
    EXPECT_DOUBLE_EQ(d.kurtosis, o.kurtosis);
    EXPECT_TRUE(d.mean_field);
  }
}

TEST(DeltaOrthogonal, ConvIsOrthogonalAtTheCentreAndZeroElsewhere) {
  const FanInfo fan{6, 10, 9, 2};  // per group 5 out × 3 in; W is 10 × 27
  const Eigen::MatrixXf w = fill("delta_orthogonal", fan);
  Eigen::MatrixXd centre(10, 3);
  for (Eigen::Index c = 0; c < 27; ++c) {
    if (c % 9 == 4) {
      centre.col(c / 9) = w.col(c).cast<double>();
    } else {
      EXPECT_TRUE(w.col(c).isZero(0.0)) << c;
    }
  }
  // Each group's 5 × 3 block has orthonormal columns (tolerance as in orthogonal_test.cpp).
  const double tol = std::numeric_limits<float>::epsilon() + 64 * 5 * 2.3e-16;
  for (int g = 0; g < 2; ++g) {
    const Eigen::MatrixXd b = centre.middleRows(5 * g, 5);
    EXPECT_LE((b.transpose() * b - Eigen::MatrixXd::Identity(3, 3)).cwiseAbs().maxCoeff(), tol);
  }
  expect_entry_averages("delta_orthogonal", fan, w);
}

}  // namespace
}  // namespace initcheck::init
