// A deliberately failing property run, for the reproduce test (scripts/check_reproduce.sh):
// the built-in property suite's `variance` property applied to Xavier weights "meant for" ReLU
// (a planted bug: ×1/2 per layer). RapidCheck finds and shrinks a counterexample, prints it, and
// prints the RC_PARAMS="reproduce=…" line at exit; run again with that line, the same
// counterexample must be printed after a single replayed case.

#include <gtest/gtest.h>

#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/registry.hpp"
#include "initcheck/init/spec_parser.hpp"
#include "initcheck/properties.hpp"

TEST(ReproduceDemo, PlantedXavierReluFailsVariance) {
  initcheck::init::Registry registry;
  initcheck::init::register_builtin_schemes(registry);
  const auto scheme = initcheck::init::parse_init_spec("xavier_normal", registry, {});
  // Depth 2 sits on the band edge (0.5² = 1/K²); from depth 3 on the case fails, so the first
  // failing case is a random one (RapidCheck's first cases are the small ones).
  const initcheck::properties::PropertyOptions options;
  const bool ok =
      initcheck::properties::check_property(initcheck::properties::Property::variance, scheme,
                                            initcheck::nn::Activation::parse("relu"), options);
  EXPECT_FALSE(ok);  // the planted bug must be found (power); the script checks the replay
}
