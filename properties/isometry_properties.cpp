// Norm preservation of the centre-tap schemes: ‖Wx‖ = gain·‖x‖ wherever identity (ZerO) and
// delta_orthogonal promise it, and ‖Wx‖ ≤ gain·‖x‖ where they only truncate. Exact properties
// (no statistics): they hold for every input and every draw, up to float rounding.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>

#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/spec_parser.hpp"
#include "initcheck/rng/distributions.hpp"

namespace initcheck::init {
namespace {

/// W (fan.rows() × fan.cols()) of `spec`, drawn from an RC-chosen seed.
Eigen::MatrixXd weights(const std::string& spec, const FanInfo& fan) {
  Eigen::MatrixXf w(fan.rows(), fan.cols());
  rng::Engine engine(*rc::gen::arbitrary<std::uint64_t>());
  parse_init_spec(spec, builtin_registry())->fill_weights(fan, w, engine);
  return w.cast<double>();
}

/// A Gaussian vector of length n from an RC-chosen seed.
Eigen::VectorXd input(Eigen::Index n) {
  Eigen::VectorXd x(n);
  rng::Engine engine(*rc::gen::arbitrary<std::uint64_t>());
  rng::fill_normal(engine, std::span<double>(x.data(), static_cast<std::size_t>(n)));
  return x;
}

// Float storage of W changes each entry by a relative 2⁻²⁴ and the orthogonal QR (in double)
// adds ≈ m·1e-16, so ‖Wx‖/‖x‖ stays within 1e-6 of gain for m ≤ 256; a missing √p or a
// non-orthogonal block misses it by far more.
constexpr double kRelTol = 1e-6;

const std::vector<std::string> kGains = {"1", "0.5", "sqrt(2)"};
const std::vector<double> kGainValues = {1.0, 0.5, std::sqrt(2.0)};

std::size_t pick_gain() {
  return *rc::gen::inRange<std::size_t>(0, kGains.size());
}

RC_GTEST_PROP(Isometry, IdentityPreservesNormsOnSquareAndPowerOfTwoExpandingLayers, ()) {
  const std::size_t g = pick_gain();
  const std::string spec = "identity(gain=" + kGains[g] + ")";
  // Square n × n, or rows = 2^m ≥ cols (the Hadamard block is then a full set of columns).
  const bool square = *rc::gen::arbitrary<bool>();
  const std::int64_t rows =
      square ? *rc::gen::inRange<std::int64_t>(1, 129) : std::int64_t{1} << *rc::gen::inRange(0, 8);
  const std::int64_t cols = square ? rows : *rc::gen::inRange<std::int64_t>(1, rows + 1);
  const Eigen::MatrixXd w = weights(spec, dense_fan(cols, rows));
  const Eigen::VectorXd x = input(cols);
  RC_ASSERT(std::abs((w * x).norm() - kGainValues[g] * x.norm()) <=
            kRelTol * kGainValues[g] * x.norm());
}

RC_GTEST_PROP(Isometry, IdentityNeverGrowsNormsOnOtherShapes, ()) {
  const std::size_t g = pick_gain();
  const std::string spec = "identity(gain=" + kGains[g] + ")";
  const std::int64_t rows = *rc::gen::inRange<std::int64_t>(1, 200);
  const std::int64_t cols = *rc::gen::inRange<std::int64_t>(1, 200);
  const Eigen::MatrixXd w = weights(spec, dense_fan(cols, rows));
  const Eigen::VectorXd x = input(cols);
  RC_ASSERT((w * x).norm() <= kGainValues[g] * x.norm() * (1 + kRelTol));
  if (rows < cols) {  // a partial identity keeps the first `rows` coordinates
    RC_ASSERT(std::abs((w * x).norm() - kGainValues[g] * x.head(rows).norm()) <=
              kRelTol * kGainValues[g] * x.norm());
  }
}

RC_GTEST_PROP(Isometry, DeltaOrthogonalPreservesTheCentreTapAndIgnoresTheRest, ()) {
  const std::size_t g = pick_gain();
  const std::string spec = "delta_orthogonal(gain=" + kGains[g] + ")";
  const std::int64_t groups = *rc::gen::inRange<std::int64_t>(1, 4);
  const std::int64_t in_per_group = *rc::gen::inRange<std::int64_t>(1, 17);
  const std::int64_t out_per_group = *rc::gen::inRange<std::int64_t>(in_per_group, 33);
  const std::int64_t k = *rc::gen::element<std::int64_t>(1, 3, 5);
  const FanInfo fan{in_per_group * groups, out_per_group * groups, k * k, groups};
  const Eigen::MatrixXd w = weights(spec, fan);
  // One input patch (in/groups channels × k² taps, as W's columns); every group's rows see it.
  const Eigen::VectorXd patch = input(fan.cols());
  Eigen::VectorXd centre(in_per_group);
  for (std::int64_t c = 0; c < in_per_group; ++c)
    centre(c) = patch(c * k * k + (k / 2) * k + k / 2);
  for (std::int64_t grp = 0; grp < groups; ++grp) {
    const Eigen::VectorXd y = w.middleRows(grp * out_per_group, out_per_group) * patch;
    RC_ASSERT(std::abs(y.norm() - kGainValues[g] * centre.norm()) <=
              kRelTol * kGainValues[g] * patch.norm());
  }
}

}  // namespace
}  // namespace initcheck::init
