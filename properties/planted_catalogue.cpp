// The planted catalogue of issue-sized scheme bugs, run through the reusable property suite
// (initcheck/properties.hpp) exactly as a user's scheme would be: every scheme declares its true
// weight law (an honest bug, not a lying weight_law). Matched schemes must pass; every bug must
// fail. RapidCheck's seed comes from RC_PARAMS, so scripts/planted_catalogue.sh runs it under
// many seeds and counts.
//
// Usage: planted_catalogue [--suite] [--matched]   (--suite: matched schemes run every applicable
//        property, not only layer_gain; --matched: skip the bugs, e.g. for a soak)
// Prints one line per entry: "<pass|fail> <expected> <name>"; exits 1 when any entry disagrees
// with its expectation, 0 otherwise.

#include <cmath>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/spec_parser.hpp"
#include "initcheck/properties.hpp"
#include "initcheck/theory/exact_gain.hpp"

namespace {

using initcheck::init::InitScheme;
using initcheck::properties::Property;

struct Entry {
  std::string name;
  std::string spec;
  std::string activation;
  bool bug;
};

std::shared_ptr<const InitScheme> scheme(const std::string& spec, const std::string& activation) {
  return initcheck::properties::builtin_scheme(spec, initcheck::nn::Activation::parse(activation));
}

const std::vector<Entry>& catalogue() {
  static const std::vector<Entry> kEntries = {
      {"kaiming_normal+relu", "kaiming_normal", "relu", false},
      {"kaiming_uniform(a=0.2)+leaky_relu(0.2)", "kaiming_uniform(a=0.2, nonlinearity=leaky_relu)",
       "leaky_relu(0.2)", false},
      {"variance_scaling(2, truncated_normal)+relu",
       "variance_scaling(scale=2, distribution=truncated_normal)", "relu", false},
      {"lecun_normal+selu", "lecun_normal", "selu", false},
      {"exact_gain normal+gelu", "normal(std=exact_gain/sqrt(fan_in))", "gelu", false},
      // The bug Keras/TensorFlow shipped: ±2σ truncation without dividing by 0.8796 (×0.774).
      {"truncated normal without correction", "truncated_normal(sigma=sqrt(2/fan_in))", "relu",
       true},
      {"variance +10 %", "normal(std=sqrt(2.2/fan_in))", "relu", true},
      {"variance -8 %", "normal(std=sqrt(1.84/fan_in))", "relu", true},
      {"variance +5 %", "normal(std=sqrt(2.1/fan_in))", "relu", true},
      {"variance -5 %", "normal(std=sqrt(1.9/fan_in))", "relu", true},
      {"fan_out on rectangular layers", "kaiming_normal(mode=fan_out)", "relu", true},
      // ReLU's gain √2 used for leaky_relu(0.3): E[φ²] = 0.545, so ×1.09 per layer.
      {"relu gain for leaky_relu(0.3)", "kaiming_normal", "leaky_relu(0.3)", true},
      {"uniform bound without sqrt(3)", "uniform(bound=sqrt(2/fan_in))", "relu", true},
  };
  return kEntries;
}

}  // namespace

int main(int argc, char** argv) {
  bool suite = false;
  bool matched_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--suite") {
      suite = true;
    } else if (arg == "--matched") {
      matched_only = true;
    } else {
      std::cerr << "planted_catalogue: unknown argument '" << arg
                << "' (expected --suite or --matched)\n";
      return 2;
    }
  }
  int disagreements = 0;
  for (const Entry& e : catalogue()) {
    if (matched_only && e.bug) continue;
    const auto s = scheme(e.spec, e.activation);
    const auto act = initcheck::nn::Activation::parse(e.activation);
    bool passed = false;
    if (suite && !e.bug) {
      passed = initcheck::properties::run_property_suite(s, act).empty();
    } else {
      passed = initcheck::properties::check_property(Property::layer_gain, s, act);
    }
    const bool as_expected = passed != e.bug;
    if (!as_expected) ++disagreements;
    std::cout << (passed ? "pass" : "fail") << ' ' << (e.bug ? "expected-fail" : "expected-pass")
              << ' ' << e.name << std::endl;
  }
  return disagreements == 0 ? 0 : 1;
}
