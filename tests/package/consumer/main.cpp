// Embeds the installed library through its umbrella header only: checks a matched
// configuration (Kaiming with ReLU: every claim holds) and a planted bug (Xavier with ReLU halves
// the second moment per layer: 2⁻¹⁰ after 10 layers, far outside [1/4, 4]: `variance` is
// violated). Seeds are fixed, so the verdicts are reproducible; a wrong verdict at α = 1e-6 is
// a bug, not chance.
#include <cstdio>
#include <string_view>

#include "initcheck/initcheck.hpp"

namespace {

bool expect(bool ok, const char* what) {
  if (!ok) std::fprintf(stderr, "consumer: FAILED: %s\n", what);
  return ok;
}

}  // namespace

int main() {
  // As the command line spells it: `initcheck check --init kaiming_normal --activation relu
  // --depth 5 --width 64 --batch 32 --claims variance,mean`.
  initcheck::CheckRequest request;
  request.init = "kaiming_normal";
  request.activation = "relu";
  request.depth = 5;
  request.width = 64;
  request.batch = 32;
  request.claims = {"variance", "mean"};
  const initcheck::CheckResult matched = initcheck::check_configuration(
      initcheck::make_network_config(request), initcheck::make_check_options(request));

  // The same types built directly: a NetworkConfig with a parsed scheme and activation.
  initcheck::init::Registry registry;
  initcheck::init::register_builtin_schemes(registry);
  initcheck::NetworkConfig config;
  config.widths = initcheck::model::constant_widths(64, 10);
  config.activation = initcheck::Activation::parse("relu");
  config.init = initcheck::init::parse_init_spec("xavier_normal", registry);
  config.batch = 32;
  initcheck::CheckOptions options;
  options.claims = {initcheck::ClaimId::variance};
  const initcheck::CheckResult planted = initcheck::check_configuration(config, options);

  bool ok = expect(matched.overall == initcheck::Verdict::holds, "kaiming_normal + relu holds");
  for (const initcheck::ClaimResult& claim : matched.claims) {
    if (claim.applicable)
      ok &= expect(claim.verdict == initcheck::Verdict::holds, "each claim holds");
  }
  ok &= expect(planted.overall == initcheck::Verdict::violated, "xavier_normal + relu violated");
  if (!ok) return 1;
  const std::string_view holds = initcheck::stats::to_string(matched.overall);
  const std::string_view violated = initcheck::stats::to_string(planted.overall);
  std::printf("consumer: kaiming_normal+relu %.*s, xavier_normal+relu %.*s\n",
              static_cast<int>(holds.size()), holds.data(), static_cast<int>(violated.size()),
              violated.data());
  return 0;
}
