#pragma once
/// The reusable RapidCheck property suite: point it at a NEW init scheme and the activation it
/// is meant for, and every applicable stability claim (README, "The claims") is checked on randomly
/// generated configurations that shrink towards the smallest failing one.
///
///   #include <initcheck/properties.hpp>
///   INITCHECK_SCHEME_PROPERTIES(MyScheme, [] { return std::make_shared<MyScheme>(); }, "relu")
///
/// defines one GoogleTest per property (MyScheme.variance, MyScheme.growth, ...). Every random
/// choice — depth, widths, batch, input kind, precision and the engine seed — is drawn with
/// rc::gen, so `RC_PARAMS="reproduce=…"` replays a failure exactly and CI fixes the seed with
/// `RC_PARAMS=seed=…`.
///
/// Error budget. A property case is one configuration checked at family level
/// PropertyOptions::alpha_per_case (default 1e-9), i.e. the probability that correct code makes
/// one case fail. A suite run draws at most (properties × cases) cases plus shrinking steps
/// (bounded by kMaxShrinkSteps per failure, and shrinking only follows a failure); with the
/// defaults, 10 × 6 + 4 (layer_gain) = 64 cases per scheme → false-failure probability ≤ 6.4e-8
/// per scheme run. Power: layer_gain fails any per-layer gain error ≥ 5 % with probability
/// ≥ 0.999 per case (claims/layer_gain_check.hpp).

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "initcheck/init/init_scheme.hpp"
#include "initcheck/nn/activation.hpp"

namespace initcheck::properties {

/// The properties of the suite (one GoogleTest each in INITCHECK_SCHEME_PROPERTIES).
enum class Property {
  layer_gain,  ///< every layer's gain is shown within ≈ ±6.6 % of 1 (claims/layer_gain_check.hpp)
  variance,    ///< the second moment is preserved through depth (not violated)
  growth,      ///< measurement tracks the mean-field oracle; declared law = sampled law
  mean,        ///< pre-activation mean stays ≈ 0 for zero-mean weights
  dominance,   ///< no input term dominates with normalized inputs
  gradient,    ///< backward second moment as the mean-field oracle predicts (square layers)
  batchnorm,   ///< BatchNorm forces mean 0 / variance σ²/(σ²+ε) for any init scale
  batch_stats,  ///< dataset-normalized batches deviate only by sampling error
  precision,    ///< bf16 storage raises no precision events
  determinism,  ///< the same seed gives bit-identical results
  residual      ///< 1/√L-scaled residual nets preserve the second moment
};

/// All properties, in declaration order.
const std::vector<Property>& all_properties();
/// Property name as used for test names (`variance`, `batch_stats`, ...).
std::string property_name(Property p);

struct PropertyOptions {
  int cases = 6;  ///< RapidCheck cases per property (max_success)
  int min_depth = 2;
  int max_depth = 12;
  int min_width = 32;
  int max_width = 160;
  int max_batch = 64;
  int replicates = 16;     ///< networks per case (fixed: no sample planning in properties)
  double tolerance = 2.0;  ///< K
  double alpha_per_case = 1e-9;
  /// layer_gain: the per-layer gain at unit input the scheme should have, the relative error it
  /// must catch with power ≥ 0.999, and its cases (each runs ≈ 77,000/n_min batch-1 networks).
  double target_gain = 1.0;
  double detectable_error = 0.05;
  int layer_gain_cases = 4;
  /// Generate rectangular (changing) widths for the forward claims; right for fan_in schemes,
  /// wrong for fan_avg/fan_out ones (set false for those).
  bool rectangular_widths = true;
};

/// Whether `p` applies to (scheme, activation): e.g. variance/gradient need a variance-
/// preserving scheme for φ — assumed, since the suite is run on the activation the scheme is
/// meant for; `precision` needs a homogeneous activation (relu, leaky_relu, linear).
bool property_applies(Property p, const init::InitScheme& scheme, const nn::Activation& activation);

/// Checks property `p` with RapidCheck (seed from RC_PARAMS; `options.cases` cases, unless
/// RC_PARAMS sets a smaller max_success). Returns true on success; on failure prints the
/// shrunk counterexample and the RC_PARAMS reproduce string to stderr and returns false.
bool check_property(Property p, const std::shared_ptr<const init::InitScheme>& scheme,
                    const nn::Activation& activation, const PropertyOptions& options = {});

/// Runs a RapidCheck property body (draws with rc::gen, asserts with RC_ASSERT) for at most
/// `cases` successful cases (fewer if RC_PARAMS sets a smaller max_success), seed and
/// reproduce string from RC_PARAMS. Prints the counterexample on failure; returns success.
bool check_cases(const std::string& id, const std::function<void()>& body, int cases);

/// A built-in scheme from an init spec (`initcheck schemes`), with `gain` and `exact_gain` taken
/// for `activation` as `initcheck check` does. Throws InputError on a bad spec.
std::shared_ptr<const init::InitScheme> builtin_scheme(const std::string& spec,
                                                       const nn::Activation& activation);

/// Runs every applicable property; returns the names of the failed ones (empty = all pass).
std::vector<std::string> run_property_suite(const std::shared_ptr<const init::InitScheme>& scheme,
                                            const nn::Activation& activation,
                                            const PropertyOptions& options = {});

}  // namespace initcheck::properties

/// Defines GoogleTest `SuiteName.<property>` for every property of the suite, run against the
/// scheme returned by `scheme_factory()` (a callable returning
/// std::shared_ptr<const initcheck::init::InitScheme>) and the activation `activation_text`
/// (e.g. "relu", "leaky_relu(0.2)"). Non-applicable properties are skipped (GTEST_SKIP).
#define INITCHECK_SCHEME_PROPERTIES(SuiteName, scheme_factory, activation_text)        \
  INITCHECK_SCHEME_PROPERTIES_WITH_OPTIONS(SuiteName, scheme_factory, activation_text, \
                                           ::initcheck::properties::PropertyOptions{})

/// As INITCHECK_SCHEME_PROPERTIES with explicit PropertyOptions.
#define INITCHECK_SCHEME_PROPERTIES_WITH_OPTIONS(SuiteName, scheme_factory, activation_text, opts) \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, layer_gain, scheme_factory, activation_text, opts)     \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, variance, scheme_factory, activation_text, opts)       \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, growth, scheme_factory, activation_text, opts)         \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, mean, scheme_factory, activation_text, opts)           \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, dominance, scheme_factory, activation_text, opts)      \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, gradient, scheme_factory, activation_text, opts)       \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, batchnorm, scheme_factory, activation_text, opts)      \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, batch_stats, scheme_factory, activation_text, opts)    \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, precision, scheme_factory, activation_text, opts)      \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, determinism, scheme_factory, activation_text, opts)    \
  INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, residual, scheme_factory, activation_text, opts)

#define INITCHECK_DETAIL_PROPERTY_TEST(SuiteName, prop, scheme_factory, activation_text, opts)     \
  TEST(SuiteName, prop) {                                                                          \
    const std::shared_ptr<const ::initcheck::init::InitScheme> initcheck_scheme =                  \
        (scheme_factory)();                                                                        \
    const ::initcheck::nn::Activation initcheck_act =                                              \
        ::initcheck::nn::Activation::parse(activation_text);                                       \
    if (!::initcheck::properties::property_applies(::initcheck::properties::Property::prop,        \
                                                   *initcheck_scheme, initcheck_act)) {            \
      GTEST_SKIP() << #prop " does not apply to this scheme/activation";                           \
    }                                                                                              \
    EXPECT_TRUE(::initcheck::properties::check_property(::initcheck::properties::Property::prop,   \
                                                        initcheck_scheme, initcheck_act, (opts))); \
  }
