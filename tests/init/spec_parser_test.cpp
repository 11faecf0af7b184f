// Spec-string parser: error messages, canonical names, expressions, user schemes.
#include "initcheck/init/spec_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "initcheck/core/error.hpp"
#include "initcheck/init/builtin_schemes.hpp"

namespace initcheck::init {
namespace {

using ::testing::HasSubstr;

/// The InputError message of parsing `spec`, or "" when it parses.
std::string parse_error(const std::string& spec, const SpecContext& ctx = {}) {
  try {
    (void)parse_init_spec(spec, builtin_registry(), ctx);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

/// The InputError message of asking `spec`'s law at `fan`, or "".
std::string law_error(const std::string& spec, const FanInfo& fan, const SpecContext& ctx = {}) {
  const auto scheme = parse_init_spec(spec, builtin_registry(), ctx);
  try {
    (void)scheme->weight_law(fan);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(SpecParser, EmptySpec) {
  EXPECT_THAT(parse_error(""), HasSubstr("empty init spec"));
  EXPECT_THAT(parse_error("   "), HasSubstr("empty init spec"));
}

TEST(SpecParser, UnknownSchemeListsTheSchemes) {
  const std::string m = parse_error("kaimng_normal");
  EXPECT_THAT(m, HasSubstr("unknown init scheme 'kaimng_normal' at column 1"));
  EXPECT_THAT(m, HasSubstr("expected one of: kaiming_normal, kaiming_uniform"));
  EXPECT_THAT(m, HasSubstr("zeros"));
  EXPECT_THAT(parse_error("1abc"), HasSubstr("unexpected '1' at column 1"));
  EXPECT_THAT(parse_error("(std=1)"), HasSubstr("expected a scheme name"));
}

TEST(SpecParser, UnknownParameterNamesItAndTheExpectedOnes) {
  const std::string m = parse_error("kaiming_normal(mdoe=fan_in)");
  EXPECT_THAT(m, HasSubstr("unknown parameter 'mdoe' at column 16"));
  EXPECT_THAT(m, HasSubstr("kaiming_normal(mdoe=fan_in)"));
  EXPECT_THAT(m, HasSubstr("expected one of: mode, nonlinearity, a"));
  EXPECT_THAT(parse_error("zeros(a=1)"), HasSubstr("zeros takes no parameters"));
}

TEST(SpecParser, BadWordValue) {
  const std::string m = parse_error("kaiming_normal(mode=fan_xx)");
  EXPECT_THAT(m, HasSubstr("bad value 'fan_xx' for parameter 'mode' at column 21"));
  EXPECT_THAT(m, HasSubstr("expected one of: fan_in, fan_out"));
  EXPECT_THAT(parse_error("kaiming_uniform(nonlinearity=gelu)"),
              HasSubstr("expected one of: relu, linear"));
  EXPECT_THAT(parse_error("variance_scaling(distribution=cauchy)"),
              HasSubstr("truncated_normal, normal, uniform"));
}

TEST(SpecParser, StructuralErrors) {
  EXPECT_THAT(parse_error("kaiming_normal(mode=fan_in"), HasSubstr("missing ')' at column 27"));
  EXPECT_THAT(parse_error("normal(std=sqrt(2)"), HasSubstr("missing ')'"));
  EXPECT_THAT(parse_error("normal("), HasSubstr("missing ')'"));
  EXPECT_THAT(parse_error("kaiming_normal(mode=fan_in, mode=fan_out)"),
              HasSubstr("duplicate parameter 'mode' at column 29"));
  EXPECT_THAT(parse_error("normal(std=1) x"), HasSubstr("unexpected 'x' after ')' at column 15"));
  EXPECT_THAT(parse_error("normal std"), HasSubstr("unexpected 's' after 'normal'"));
  EXPECT_THAT(parse_error("normal(=1)"), HasSubstr("expected a parameter name"));
  EXPECT_THAT(parse_error("normal(std 1)"), HasSubstr("expected '=' after parameter 'std'"));
  EXPECT_THAT(parse_error("normal(std=)"), HasSubstr("empty value for parameter 'std'"));
  EXPECT_THAT(parse_error("normal(std=1,)"), HasSubstr("expected a parameter name"));
  EXPECT_THAT(parse_error("normal(mean=1)"), HasSubstr("missing parameter 'std' for normal"));
  EXPECT_THAT(parse_error("normal(mean=1)"), HasSubstr("normal takes: std (required), mean=0"));
  EXPECT_THAT(parse_error("normal\x01"), HasSubstr("unexpected '\\x01'"));
}

TEST(SpecParser, ExpressionErrorsCarryMuParserMessageAndPosition) {
  const std::string m = parse_error("normal(std=2*)");
  EXPECT_THAT(m, HasSubstr("bad expression '2*' for parameter 'std' at column"));
  EXPECT_THAT(m, HasSubstr("; Unexpected end of expression"));
  const std::string var = parse_error("normal(std=sqrt(2/fan_xx))");
  EXPECT_THAT(var, HasSubstr("at column 19"));  // where fan_xx starts
  EXPECT_THAT(var, HasSubstr("fan_xx"));
  EXPECT_THAT(var, HasSubstr("variables: fan_in, fan_out"));
  EXPECT_THAT(parse_error("normal(std=fan_in=3)"), HasSubstr("assignment"));
  EXPECT_THAT(parse_error("kaiming_normal(a=relu)"), HasSubstr("bad expression 'relu'"));
}

TEST(SpecParser, BadNumericValuesAreInputErrors) {
  // Constant values are checked at parse time...
  EXPECT_THAT(parse_error("normal(std=-1)"), HasSubstr("std=-1 evaluates to -1"));
  EXPECT_THAT(parse_error("normal(std=0)"), HasSubstr("must be > 0"));
  EXPECT_THAT(parse_error("uniform(bound=1/0)"), HasSubstr("not finite"));
  EXPECT_THAT(parse_error("normal(std=sqrt(-1))"), HasSubstr("not finite"));
  EXPECT_THAT(parse_error("variance_scaling(scale=0)"), HasSubstr("scale=0"));
  EXPECT_THAT(parse_error("orthogonal(gain=-2)"), HasSubstr("gain=-2"));
  EXPECT_THAT(parse_error("truncated_normal(sigma=1, cut=0)"), HasSubstr("cut=0"));
  // ...per-layer values when the law is asked for or weights are filled.
  const FanInfo fan = dense_fan(800, 1250);
  EXPECT_THAT(law_error("normal(std=1-fan_in)", fan), HasSubstr("evaluates to -799"));
  EXPECT_THAT(law_error("normal(std=1/(fan_in-800))", fan), HasSubstr("evaluates to inf"));
  const auto scheme = parse_init_spec("uniform(bound=1-fan_in)", builtin_registry());
  Eigen::MatrixXf w(1250, 800);
  rng::Engine engine(1);
  EXPECT_THROW(scheme->fill_weights(fan, w, engine), InputError);
}

TEST(SpecParser, UnavailableContextVariableIsNamed) {
  const FanInfo fan = dense_fan(800, 1250);
  EXPECT_THAT(law_error("normal(std=exact_gain/sqrt(fan_in))", fan),
              HasSubstr("variable 'exact_gain'"));
  EXPECT_THAT(law_error("kaiming_normal(nonlinearity=leaky_relu, a=gain)", fan),
              HasSubstr("variable 'gain'"));
  SpecContext ctx;
  ctx.gain = std::sqrt(2.0);
  ctx.exact_gain = 1.5925374;
  // Expressions and constants: a few ulp of the same arithmetic.
  EXPECT_DOUBLE_EQ(parse_init_spec("normal(std=exact_gain/sqrt(fan_in))", builtin_registry(), ctx)
                       ->weight_law(fan)
                       .variance,
                   1.5925374 * 1.5925374 / 800);
  EXPECT_DOUBLE_EQ(parse_init_spec("normal(std=gain/sqrt(fan_in))", builtin_registry(), ctx)
                       ->weight_law(fan)
                       .variance,
                   2.0 / 800);
}

TEST(SpecParser, ExpressionsAreEvaluatedPerLayer) {
  const FanInfo fan = dense_fan(800, 1250, 3, 10);
  EXPECT_DOUBLE_EQ(
      parse_init_spec("normal(std=sqrt(2/fan_in))", builtin_registry())->weight_law(fan).variance,
      2.0 / 800);
  EXPECT_DOUBLE_EQ(parse_init_spec("normal(std = 1/(layer+1), mean = depth)", builtin_registry())
                       ->weight_law(fan)
                       .variance,
                   1.0 / 16);
  EXPECT_DOUBLE_EQ(
      parse_init_spec("normal(std=1, mean=depth)", builtin_registry())->weight_law(fan).mean, 10.0);
  EXPECT_DOUBLE_EQ(parse_init_spec("uniform(bound=sqrt(3/fan_avg))", builtin_registry())
                       ->weight_law(fan)
                       .variance,
                   1.0 / 1025);
  const FanInfo conv{16, 32, 9, 2, 0, 1};
  EXPECT_DOUBLE_EQ(
      parse_init_spec("normal(std=sqrt(in_units*out_units*receptive_field))", builtin_registry())
          ->weight_law(conv)
          .variance,
      16.0 * 32 * 9);
  // Numeric parameters of built-ins accept expressions too.
  EXPECT_DOUBLE_EQ(
      parse_init_spec("kaiming_normal(nonlinearity=leaky_relu, a=1/10)", builtin_registry())
          ->weight_law(fan)
          .variance,
      2.0 / 1.01 / 800);
  EXPECT_DOUBLE_EQ(
      parse_init_spec("xavier_uniform(gain=sqrt(2))", builtin_registry())->weight_law(fan).variance,
      2.0 * 2.0 / 2050);
}

TEST(SpecParser, CanonicalNames) {
  auto name = [](const char* spec) { return parse_init_spec(spec, builtin_registry())->name(); };
  EXPECT_EQ(name("kaiming_normal"), "kaiming_normal(mode=fan_in, nonlinearity=relu, a=0)");
  EXPECT_EQ(name(" kaiming_uniform ( a = 1e-1 , mode = fan_out ) "),
            "kaiming_uniform(mode=fan_out, nonlinearity=relu, a=0.1)");
  EXPECT_EQ(name("normal(std = sqrt(2/fan_in))"), "normal(std=sqrt(2/fan_in), mean=0)");
  EXPECT_EQ(name("variance_scaling()"),
            "variance_scaling(scale=1, mode=fan_in, distribution=truncated_normal)");
  EXPECT_EQ(name("truncated_normal(sigma=.02)"), "truncated_normal(sigma=0.02, cut=2)");
  EXPECT_EQ(name("zeros"), "zeros");
  EXPECT_EQ(name("torch_default"), "torch_default");
  EXPECT_EQ(name("orthogonal"), "orthogonal(gain=1)");
}

TEST(SpecParser, EveryBuiltinRoundTrips) {
  const FanInfo fan = dense_fan(30, 50);
  const std::vector<std::string> specs = {
      "kaiming_normal(mode=fan_out, nonlinearity=leaky_relu, a=sqrt(5))",
      "kaiming_uniform(nonlinearity=selu)",
      "xavier_normal(gain=5/3)",
      "xavier_uniform",
      "lecun_normal",
      "lecun_uniform",
      "variance_scaling(scale=2, mode=fan_avg, distribution=uniform)",
      "variance_scaling(mode=fan_geo_avg)",
      "orthogonal(gain=0.5)",
      "delta_orthogonal(gain=sqrt(2))",
      "identity(gain=2)",
      "torch_default",
      "normal(std=0.01, mean=-1e-3)",
      "uniform(bound=1/sqrt(fan_in))",
      "truncated_normal(sigma=0.3, cut=3)",
      "zeros",
      "default=normal(std=0.02/(1 + is_mlp_out)), readout=zeros"};
  std::vector<std::string> seen;
  for (const std::string& spec : specs) {
    const auto a = parse_init_spec(spec, builtin_registry());
    const auto b = parse_init_spec(a->name(), builtin_registry());
    EXPECT_EQ(a->name(), b->name()) << spec;
    const WeightLaw la = a->weight_law(fan);
    const WeightLaw lb = b->weight_law(fan);
    EXPECT_EQ(la.variance, lb.variance) << spec;
    EXPECT_EQ(la.kurtosis, lb.kurtosis) << spec;
    EXPECT_FALSE(a->formula().empty());
    seen.push_back(spec.substr(0, spec.find('(')));
  }
  for (const std::string& n : builtin_registry().names()) {
    EXPECT_NE(std::find(seen.begin(), seen.end(), n), seen.end()) << n << " not round-tripped";
  }
}

/// A user scheme: N(0, scale/fan_in).
class ScaledNormal final : public InitScheme {
 public:
  ScaledNormal(std::string name, Expr scale) : name_(std::move(name)), scale_(std::move(scale)) {}
  [[nodiscard]] std::string name() const override { return name_; }
  [[nodiscard]] std::string formula() const override { return "Var = scale/fan_in"; }
  [[nodiscard]] WeightLaw weight_law(const FanInfo& fan) const override {
    return {0.0, scale_.evaluate(fan) / static_cast<double>(fan.fan_in()), 3.0};
  }
  void fill_weights(const FanInfo& /*fan*/, Eigen::Ref<Eigen::MatrixXf> w,
                    rng::Engine& /*engine*/) const override {
    w.setZero();
  }

 private:
  std::string name_;
  Expr scale_;
};

TEST(Registry, UserSchemesInAFewLines) {
  Registry registry;
  register_builtin_schemes(registry);
  registry.add({"scaled_normal", {{"scale", ParamKind::number, "1", {}}}, "scale/fan_in"},
               [](const SchemeArgs& args) {
                 return std::make_shared<ScaledNormal>(args.canonical(), args.number("scale"));
               });
  registry.add(std::make_shared<ScaledNormal>("half_normal", Expr(0.5)));

  const auto s = parse_init_spec("scaled_normal(scale=2*gain)", registry, SpecContext{3.0, NAN});
  EXPECT_EQ(s->name(), "scaled_normal(scale=2*gain)");
  EXPECT_DOUBLE_EQ(s->weight_law(dense_fan(6, 1)).variance, 1.0);
  EXPECT_EQ(parse_init_spec("half_normal", registry)->name(), "half_normal");
  EXPECT_THAT(parse_error("half_normal"), HasSubstr("unknown init scheme"));  // not a builtin
  EXPECT_THROW(registry.add(std::make_shared<ScaledNormal>("zeros", Expr(1.0))),
               std::invalid_argument);
  EXPECT_THROW(registry.add(std::make_shared<ScaledNormal>("bad name", Expr(1.0))),
               std::invalid_argument);
  EXPECT_EQ(registry.find("scaled_normal")->formula, "scale/fan_in");
  EXPECT_EQ(registry.find("nope"), nullptr);
}

}  // namespace
}  // namespace initcheck::init
