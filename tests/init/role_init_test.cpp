// Role maps (`default=SPEC, ROLE=SPEC, ...`), the is_<role> and fan_geo_avg variables and `%`.
#include "initcheck/init/role_init.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/spec_parser.hpp"

namespace initcheck::init {
namespace {

std::shared_ptr<const InitScheme> parse(const std::string& spec) {
  return parse_init_spec(spec, builtin_registry());
}

FanInfo with_role(FanInfo fan, LayerRole role) {
  fan.role = role;
  return fan;
}

/// The InputError message of parsing `spec` (empty when it parses).
std::string error_of(const std::string& spec) {
  try {
    (void)parse(spec);
  } catch (const InputError& e) {
    return e.what();
  }
  return {};
}

TEST(RoleInit, DispatchesOnTheLayerRole) {
  const auto s = parse(
      "default=normal(std=0.02), attn.out=normal(std=0.02/sqrt(2*depth)), "
      "mlp.out=normal(std=0.02/sqrt(2*depth))");
  const FanInfo fan = dense_fan(16, 16, 3, 8);
  EXPECT_DOUBLE_EQ(s->weight_law(with_role(fan, LayerRole::mlp_in)).variance, 0.02 * 0.02);
  EXPECT_DOUBLE_EQ(s->weight_law(with_role(fan, LayerRole::mlp_out)).variance, 0.02 * 0.02 / 16.0);
  EXPECT_DOUBLE_EQ(s->weight_law(with_role(fan, LayerRole::attn_out)).variance, 0.02 * 0.02 / 16.0);

  // fill_weights follows the same dispatch: zeros only on the readout.
  const auto r = parse("default=normal(std=1), readout=zeros");
  Eigen::MatrixXf w(16, 16);
  rng::Engine engine(1);
  r->fill_weights(with_role(fan, LayerRole::readout), w, engine);
  EXPECT_TRUE(w.isZero(0.0));
  r->fill_weights(with_role(fan, LayerRole::hidden), w, engine);
  EXPECT_GT(w.squaredNorm(), 0.0F);
}

TEST(RoleInit, CanonicalNameSortsRolesAndRoundTrips) {
  const auto s = parse("readout = zeros ,embed=identity,default=lecun_normal");
  EXPECT_EQ(s->name(), "default=lecun_normal, embed=identity(gain=1), readout=zeros");
  EXPECT_EQ(parse(s->name())->name(), s->name());
  // A default alone is that scheme.
  EXPECT_EQ(parse("default=normal(std=2)")->name(), "normal(std=2, mean=0)");
}

TEST(RoleInit, MissingRoleIsAnInputErrorNamingIt) {
  const auto s = parse("embed=normal(std=1), readout=zeros");
  try {
    (void)s->weight_law(dense_fan(4, 4));  // role hidden
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("layer role 'hidden'"), std::string::npos) << e.what();
  }
}

TEST(RoleInit, ParseErrorsNameTheProblem) {
  EXPECT_NE(error_of("default=normal(std=1), mlp.outt=zeros").find("unknown layer role 'mlp.outt'"),
            std::string::npos);
  EXPECT_NE(error_of("readout=zeros, readout=zeros").find("duplicate role 'readout'"),
            std::string::npos);
  EXPECT_NE(error_of("readout=zeros, ").find("expected ROLE=SPEC"), std::string::npos);
  EXPECT_NE(error_of("readout= , default=zeros").find("empty scheme for role 'readout'"),
            std::string::npos);
  EXPECT_NE(error_of("default=normal(std=1), readout=torch_default").find("disagree on biases"),
            std::string::npos);
  // Errors inside one role's scheme point into the whole spec.
  EXPECT_NE(error_of("default=zeros, readout=normal(sd=1)").find("at column 31"), std::string::npos)
      << error_of("default=zeros, readout=normal(sd=1)");
}

TEST(RoleInit, AgreeingBiasesAreKept) {
  EXPECT_TRUE(parse("default=torch_default, readout=torch_default")->has_bias());
  EXPECT_FALSE(parse("default=zeros, readout=identity")->has_bias());
}

TEST(Expression, RoleIndicatorsFanGeoAvgAndModulo) {
  const auto s = parse("normal(std=is_readout ? 0.5 : 1 + is_mlp_out)");
  const FanInfo fan = dense_fan(4, 9);
  EXPECT_DOUBLE_EQ(s->weight_law(with_role(fan, LayerRole::readout)).variance, 0.25);
  EXPECT_DOUBLE_EQ(s->weight_law(with_role(fan, LayerRole::mlp_out)).variance, 4.0);
  EXPECT_DOUBLE_EQ(s->weight_law(with_role(fan, LayerRole::hidden)).variance, 1.0);

  EXPECT_DOUBLE_EQ(Expr::parse("fan_geo_avg").evaluate(fan), 6.0);  // √(4·9)
  EXPECT_DOUBLE_EQ(
      parse("variance_scaling(mode=fan_geo_avg, distribution=normal)")->weight_law(fan).variance,
      1.0 / 6.0);

  // `%` is fmod (sign of the dividend), at the precedence of * and /.
  EXPECT_DOUBLE_EQ(Expr::parse("7.5 % 2").evaluate(fan), 1.5);
  EXPECT_DOUBLE_EQ(Expr::parse("-7 % 3").evaluate(fan), -1.0);
  EXPECT_DOUBLE_EQ(Expr::parse("1 + 7 % 4 * 2").evaluate(fan), 7.0);
  EXPECT_DOUBLE_EQ(Expr::parse("layer % 2").evaluate(dense_fan(1, 1, 5, 8)), 1.0);
  EXPECT_THROW((void)Expr::parse("3 % 0").evaluate(fan), InputError);
}

}  // namespace
}  // namespace initcheck::init
