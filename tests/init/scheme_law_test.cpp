// Each built-in scheme: declared law = hand-derived formula (known answer), and 10⁶ sampled
// entries match the declared law (law_check.hpp: z = 6.5, α ≈ 8e-11 per check). Planted bugs
// show the same check has power.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <span>

#include "initcheck/core/error.hpp"
#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/spec_parser.hpp"
#include "initcheck/init/weight_laws.hpp"
#include "initcheck/rng/distributions.hpp"
#include "law_check.hpp"

namespace initcheck::init {
namespace {

using testing_detail::matches_law;

// A rectangular layer with 10⁶ weights: fan_in = 800 ≠ fan_out = 1250, so a fan_in/fan_out
// swap changes the variance by 1.56× (≈ 50 margins).
const FanInfo kFan = dense_fan(800, 1250);
constexpr double kFanIn = 800;
constexpr double kFanOut = 1250;

struct Case {
  const char* spec = nullptr;
  double variance = 0.0;  ///< derived by hand from the scheme's definition
  double kurtosis = 0.0;
  double mean = 0.0;
};

const double kTrunc2Kurt = truncated_normal_kurtosis(2.0);

const Case kCases[] = {
    {"kaiming_normal", 2 / kFanIn, 3},
    {"kaiming_normal(mode=fan_out, nonlinearity=leaky_relu, a=0.2)", 2 / 1.04 / kFanOut, 3},
    {"kaiming_uniform", 2 / kFanIn, 1.8},
    {"kaiming_uniform(mode=fan_out, nonlinearity=tanh)", 25.0 / 9 / kFanOut, 1.8},
    {"xavier_normal(gain=2)", 4 * 2 / (kFanIn + kFanOut), 3},
    {"xavier_uniform", 2 / (kFanIn + kFanOut), 1.8},
    {"lecun_normal", 1 / kFanIn, kTrunc2Kurt},
    {"lecun_uniform", 1 / kFanIn, 1.8},
    {"variance_scaling(scale=2, mode=fan_avg)", 2 / ((kFanIn + kFanOut) / 2), kTrunc2Kurt},
    {"variance_scaling(distribution=normal)", 1 / kFanIn, 3},
    {"variance_scaling(scale=3, mode=fan_out, distribution=uniform)", 3 / kFanOut, 1.8},
    {"torch_default", 1 / (3 * kFanIn), 1.8},
    {"normal(std=0.05, mean=0.3)", 0.0025, 3, 0.3},
    {"uniform(bound=0.1)", 0.01 / 3, 1.8},
    {"truncated_normal(sigma=0.02)", 0.0004 * 0.77374130354992324, kTrunc2Kurt},
    {"truncated_normal(sigma=0.02, cut=1.5)", 0.0004 * truncated_normal_variance_factor(1.5),
     truncated_normal_kurtosis(1.5)},
};

TEST(SchemeLaw, DeclaredLawsMatchHandDerivedFormulas) {
  for (const Case& c : kCases) {
    const WeightLaw law = parse_init_spec(c.spec, builtin_registry())->weight_law(kFan);
    // Same formula evaluated in a different order: a few ulp.
    EXPECT_NEAR(law.variance, c.variance, 1e-14 * c.variance) << c.spec;
    EXPECT_NEAR(law.kurtosis, c.kurtosis, 1e-12) << c.spec;
    EXPECT_EQ(law.mean, c.mean) << c.spec;
    EXPECT_TRUE(law.independent_entries) << c.spec;
  }
}

TEST(SchemeLaw, SamplesMatchDeclaredLaw) {
  std::uint64_t id = 0;
  Eigen::MatrixXf w(kFan.rows(), kFan.cols());
  for (const Case& c : kCases) {
    const auto scheme = parse_init_spec(c.spec, builtin_registry());
    rng::Engine engine = rng::Engine(2024).split(++id);
    scheme->fill_weights(kFan, w, engine);
    EXPECT_TRUE(matches_law(w, scheme->weight_law(kFan))) << c.spec;
  }
}

TEST(SchemeLaw, ConvAndGroupedConvUseThePyTorchFans) {
  const FanInfo grouped{64, 128, 9, 4};  // fan_in 144, fan_out 1152
  const auto he = parse_init_spec("kaiming_normal", builtin_registry());
  EXPECT_DOUBLE_EQ(he->weight_law(grouped).variance, 2.0 / 144);
  const auto he_out = parse_init_spec("kaiming_normal(mode=fan_out)", builtin_registry());
  EXPECT_DOUBLE_EQ(he_out->weight_law(grouped).variance, 2.0 / 1152);
  const auto glorot = parse_init_spec("xavier_normal", builtin_registry());
  EXPECT_DOUBLE_EQ(glorot->weight_law(FanInfo{64, 128, 9, 1}).variance, 2.0 / (576 + 1152));
  // The weight matrix is out × (in/groups · k²).
  Eigen::MatrixXf w(128, 144);
  rng::Engine engine(5);
  he->fill_weights(grouped, w, engine);
  Eigen::MatrixXf wrong(128, 576);
  EXPECT_THROW(he->fill_weights(grouped, wrong, engine), std::invalid_argument);
  EXPECT_THROW((void)he->weight_law(FanInfo{64, 128, 9, 3}), InputError);  // 3 ∤ 64
}

// PyTorch nn.Linear default: Var(W) = 1/(3·fan_in), bias U(±1/√fan_in) (published reference
// values).
TEST(SchemeLaw, TorchDefaultWeightsAndBias) {
  const auto scheme = parse_init_spec("torch_default", builtin_registry());
  ASSERT_TRUE(scheme->has_bias());
  const FanInfo fan = dense_fan(100, 1'000'000);
  EXPECT_DOUBLE_EQ(scheme->weight_law(fan).variance, 1.0 / 300);
  const WeightLaw bias_law = scheme->bias_law(fan);
  EXPECT_DOUBLE_EQ(bias_law.variance, 1.0 / 300);
  EXPECT_DOUBLE_EQ(bias_law.support_bound, 0.1);
  Eigen::VectorXf bias(fan.rows());
  rng::Engine engine(77);
  scheme->fill_bias(fan, bias, engine);
  EXPECT_TRUE(matches_law(bias, bias_law));
  // Other schemes have no bias: zeros.
  const auto he = parse_init_spec("kaiming_normal", builtin_registry());
  EXPECT_FALSE(he->has_bias());
  Eigen::VectorXf b = Eigen::VectorXf::Ones(4);
  he->fill_bias(dense_fan(3, 4), b, engine);
  EXPECT_TRUE(b.isZero(0));
}

TEST(SchemeLaw, ZerosAndStridedOutput) {
  const auto zeros = parse_init_spec("zeros", builtin_registry());
  Eigen::MatrixXf w = Eigen::MatrixXf::Ones(30, 20);
  rng::Engine engine(1);
  zeros->fill_weights(dense_fan(20, 30), w, engine);
  EXPECT_TRUE(w.isZero(0));
  EXPECT_EQ(zeros->weight_law(dense_fan(20, 30)).variance, 0.0);

  // A block of a bigger matrix (outer stride ≠ rows) is filled like a dense one.
  const auto he = parse_init_spec("kaiming_normal", builtin_registry());
  Eigen::MatrixXf big = Eigen::MatrixXf::Constant(40, 20, 7.0F);
  Eigen::MatrixXf dense(30, 20);
  rng::Engine a(3);
  rng::Engine b(3);
  he->fill_weights(dense_fan(20, 30), big.topRows(30), a);
  he->fill_weights(dense_fan(20, 30), dense, b);
  EXPECT_EQ(Eigen::MatrixXf(big.topRows(30)), dense);
  EXPECT_TRUE((big.bottomRows(10).array() == 7.0F).all());
}

TEST(SchemeLaw, Deterministic) {
  const auto scheme = parse_init_spec("variance_scaling", builtin_registry());
  Eigen::MatrixXf x(50, 40);
  Eigen::MatrixXf y(50, 40);
  rng::Engine a(9);
  rng::Engine b(9);
  scheme->fill_weights(dense_fan(40, 50), x, a);
  scheme->fill_weights(dense_fan(40, 50), y, b);
  EXPECT_EQ(x, y);
}

/// A planted bug: declares `law` but fills with `fill`.
class PlantedScheme final : public InitScheme {
 public:
  using Fill = void (*)(std::span<float>, rng::Engine&);
  PlantedScheme(WeightLaw law, Fill fill) : law_(law), fill_(fill) {}
  [[nodiscard]] std::string name() const override { return "planted"; }
  [[nodiscard]] std::string formula() const override { return "bug"; }
  [[nodiscard]] WeightLaw weight_law(const FanInfo& /*fan*/) const override { return law_; }
  void fill_weights(const FanInfo& /*fan*/, Eigen::Ref<Eigen::MatrixXf> w,
                    rng::Engine& engine) const override {
    fill_(std::span<float>(w.data(), static_cast<std::size_t>(w.size())), engine);
  }

 private:
  WeightLaw law_;
  Fill fill_;
};

// Power: the variance is off by 3× (uniform) and by 0.7737× (truncated), i.e. ≈ 100 and ≈ 30
// margins of the variance check; a correct fill of the same law (calibration) passes.
TEST(SchemeLaw, PlantedBugsAreRejected) {
  const double std = std::sqrt(2.0 / kFanIn);
  // Kaiming uniform with bound = std instead of √3·std.
  const PlantedScheme no_sqrt3(
      parse_init_spec("kaiming_uniform", builtin_registry())->weight_law(kFan),
      [](std::span<float> out, rng::Engine& e) {
        const double s = std::sqrt(2.0 / kFanIn);
        rng::fill_uniform(e, out, -s, s);
      });
  // variance_scaling truncated normal without dividing by 0.87962566103423978.
  const PlantedScheme no_correction(
      parse_init_spec("variance_scaling", builtin_registry())->weight_law(kFan),
      [](std::span<float> out, rng::Engine& e) {
        rng::fill_truncated_normal(e, out, std::sqrt(1.0 / kFanIn), 2.0);
      });
  const PlantedScheme correct_uniform(uniform_law(0.0, std::sqrt(3.0) * std),
                                      [](std::span<float> out, rng::Engine& e) {
                                        const double b = std::sqrt(6.0 / kFanIn);
                                        rng::fill_uniform(e, out, -b, b);
                                      });
  Eigen::MatrixXf w(kFan.rows(), kFan.cols());
  rng::Engine engine(31);
  no_sqrt3.fill_weights(kFan, w, engine);
  EXPECT_FALSE(matches_law(w, no_sqrt3.weight_law(kFan)));
  no_correction.fill_weights(kFan, w, engine);
  EXPECT_FALSE(matches_law(w, no_correction.weight_law(kFan)));
  correct_uniform.fill_weights(kFan, w, engine);
  EXPECT_TRUE(matches_law(w, correct_uniform.weight_law(kFan)));
  // A normal fill declared as uniform with the right variance fails on kurtosis and support.
  rng::fill_normal(engine, std::span<float>(w.data(), static_cast<std::size_t>(w.size())), 0.0,
                   std);
  EXPECT_FALSE(matches_law(w, correct_uniform.weight_law(kFan)));
}

}  // namespace
}  // namespace initcheck::init
