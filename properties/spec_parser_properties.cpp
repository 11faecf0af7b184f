// The init spec parser never crashes: any string (random, or a mutated valid spec) either
// parses to a scheme whose name() re-parses to the same name, or throws InputError.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "initcheck/core/error.hpp"
#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/spec_parser.hpp"

namespace initcheck::init {
namespace {

const std::vector<std::string>& valid_specs() {
  static const std::vector<std::string> kSpecs = {
      "kaiming_normal(mode=fan_out, nonlinearity=leaky_relu, a=0.2)",
      "kaiming_uniform",
      "xavier_normal(gain=5/3)",
      "xavier_uniform(gain=sqrt(2))",
      "lecun_normal",
      "lecun_uniform()",
      "variance_scaling(scale=2, mode=fan_avg, distribution=uniform)",
      "orthogonal(gain=1)",
      "torch_default",
      "normal(std=sqrt(2/fan_in), mean=0)",
      "uniform(bound=1/sqrt(fan_avg*depth))",
      "truncated_normal(sigma=exact_gain/sqrt(fan_in), cut=2)",
      "zeros",
      "delta_orthogonal(gain=sqrt(2))",
      "identity",
      "variance_scaling(mode=fan_geo_avg)",
      "normal(std=is_readout ? 0.01 : sqrt(1/fan_in) % 3)",
      "default=normal(std=0.02), attn.out=normal(std=0.02/sqrt(2*depth)), mlp.out=zeros",
      "embed=identity(gain=2), readout=orthogonal(gain=1)"};
  return kSpecs;
}

/// Parses `spec`; on success re-parses name() and asks the law for a small layer. Anything
/// other than success or InputError fails the property. Returns whether it parsed.
bool check_parses_or_input_error(const std::string& spec) {
  const SpecContext ctx{1.4142135623730951, 1.5925374};
  try {
    const auto scheme = parse_init_spec(spec, builtin_registry(), ctx);
    RC_ASSERT(scheme != nullptr);
    const std::string name = scheme->name();
    RC_ASSERT(parse_init_spec(name, builtin_registry(), ctx)->name() == name);
    try {
      (void)scheme->weight_law(dense_fan(7, 5, 1, 3));
    } catch (const InputError&) {
      // Per-layer values may be invalid (e.g. std=1-fan_in): an InputError is the contract.
    }
    return true;
  } catch (const InputError& e) {
    RC_ASSERT(!std::string(e.what()).empty());
  }
  return false;
}

RC_GTEST_PROP(SpecParser, AnyStringParsesOrThrowsInputError, (const std::string& text)) {
  RC_TAG(check_parses_or_input_error(text) ? "parsed" : "input_error");
}

/// Characters that matter to the grammar and to muParser.
const std::string kAlphabet = "()=,. _+-*/^?:<>!&|%\"'e0123456789afinoutsqrl\t\x7f\xff";

RC_GTEST_PROP(SpecParser, MutatedValidSpecsParseOrThrowInputError, ()) {
  std::string spec = *rc::gen::elementOf(valid_specs());
  // inRange scales with RapidCheck's size; resize to full size so edits land anywhere.
  constexpr int kFullSize = 100;
  const int edits = *rc::gen::resize(kFullSize, rc::gen::inRange(1, 4));
  for (int i = 0; i < edits; ++i) {
    const std::size_t pos =
        *rc::gen::resize(kFullSize, rc::gen::inRange<std::size_t>(0, spec.size() + 1));
    const char c = *rc::gen::elementOf(kAlphabet);
    switch (*rc::gen::resize(kFullSize, rc::gen::inRange(0, 3))) {
      case 0: spec.insert(pos, 1, c); break;
      case 1:
        if (pos < spec.size()) spec.erase(pos, 1);
        break;
      default:
        if (pos < spec.size()) spec[pos] = c;
        break;
    }
  }
  RC_TAG(check_parses_or_input_error(spec) ? "parsed" : "input_error");
}

/// Values that are valid or invalid for some parameter of some scheme.
const std::vector<std::string> kValues = {"0",
                                          "-1",
                                          "2",
                                          "1e-3",
                                          "sqrt(2/fan_in)",
                                          "fan_in-fan_out",
                                          "1/0",
                                          "gain",
                                          "exact_gain",
                                          "layer/depth",
                                          "min(fan_in, 3)",
                                          "fan_in>3?1:0",
                                          "relu",
                                          "leaky_relu",
                                          "tanh",
                                          "fan_in",
                                          "fan_out",
                                          "fan_avg",
                                          "normal",
                                          "uniform",
                                          "truncated_normal",
                                          "(",
                                          "2*",
                                          "\"s\"",
                                          "sqrt(-1)",
                                          "_pi",
                                          "1,2"};

// Structured specs: a registered scheme with random declared (or bogus) keys and values, so
// the expression and value-checking paths are exercised, not only the tokenizer.
RC_GTEST_PROP(SpecParser, StructuredSpecsParseOrThrowInputError, ()) {
  const std::vector<std::string> names = builtin_registry().names();
  const std::string name = *rc::gen::elementOf(names);
  const SchemeInfo& info = *builtin_registry().find(name);
  std::vector<std::string> keys = {"bogus"};
  for (const ParamSpec& p : info.params) keys.push_back(p.name);
  const int count = *rc::gen::resize(100, rc::gen::inRange(0, 4));
  std::string spec = name + "(";
  for (int i = 0; i < count; ++i) {
    if (i > 0) spec += ", ";
    spec += *rc::gen::elementOf(keys) + "=" + *rc::gen::elementOf(kValues);
  }
  spec += ")";
  const bool parsed = check_parses_or_input_error(spec);
  if (parsed) {
    // Filling a small layer either works or throws InputError (e.g. std=fan_in-fan_out < 0).
    try {
      const auto scheme = parse_init_spec(spec, builtin_registry(), SpecContext{1.5, 1.6});
      const FanInfo fan = dense_fan(5, 4, 0, 2);
      Eigen::MatrixXf w(fan.rows(), fan.cols());
      rng::Engine engine(1);
      scheme->fill_weights(fan, w, engine);
      RC_ASSERT(w.allFinite());
    } catch (const InputError&) {
    }
  }
  RC_TAG(parsed ? "parsed" : "input_error");
}

/// Role-map keys: every role, default, and bogus ones.
std::vector<std::string> role_keys() {
  std::vector<std::string> keys = {"default", "default", "mlp.outt", "normal", "", "is_readout"};
  for (const std::string_view r : kLayerRoleNames) keys.emplace_back(r);
  return keys;
}

// Role maps `KEY=SPEC, ...` of random keys (valid, duplicated or bogus) and schemes (valid or
// mutated valid specs, role maps included): they parse to a scheme whose name() round-trips, or
// throw InputError; a parsed map gives each role's law or an InputError (a role with no scheme).
RC_GTEST_PROP(SpecParser, RoleMapsParseOrThrowInputError, ()) {
  const std::vector<std::string> keys = role_keys();
  const int count = *rc::gen::resize(100, rc::gen::inRange(1, 5));
  std::string spec;
  for (int i = 0; i < count; ++i) {
    if (i > 0) spec += *rc::gen::element<std::string>(", ", ",", " , ");
    spec += *rc::gen::elementOf(keys) + "=" + *rc::gen::elementOf(valid_specs());
  }
  const bool parsed = check_parses_or_input_error(spec);
  if (parsed) {
    const auto scheme = parse_init_spec(spec, builtin_registry(), SpecContext{1.5, 1.6});
    for (std::size_t r = 0; r < kLayerRoleNames.size(); ++r) {
      FanInfo fan = dense_fan(6, 4, 1, 3);
      fan.role = static_cast<LayerRole>(r);
      try {
        RC_ASSERT(scheme->weight_law(fan).variance >= 0.0);
      } catch (const InputError&) {
      }
    }
  }
  RC_TAG(parsed ? "parsed" : "input_error");
}

}  // namespace
}  // namespace initcheck::init
