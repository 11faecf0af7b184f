/// `initcheck`: the command-line entry point (the only place that parses argv).

#include <exception>
#include <iostream>
#include <vector>

#include "commands.hpp"
#include "initcheck/core/error.hpp"

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitInternal = 4;

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{
      "initcheck: verifies, with stated error rates, whether an initialization scheme keeps\n"
      "activations and gradients at mean 0 / std 1 through depth, and reports where it breaks.\n"
      "Exit codes: 0 all checked claims hold, 1 a claim is violated, 2 bad usage or input,\n"
      "3 nothing violated but something inconclusive.",
      "initcheck"};
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", "initcheck 0.1.0");

  const std::vector<initcheck::cli::Subcommand> subcommands = {
      initcheck::cli::add_schemes_command(app), initcheck::cli::add_report_command(app),
      initcheck::cli::add_merge_command(app),   initcheck::cli::add_check_command(app),
      initcheck::cli::add_gain_command(app),    initcheck::cli::add_theory_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "initcheck: error: " << e.what() << " (see initcheck --help)\n";
    return kExitBadInput;
  }

  try {
    for (const auto& sub : subcommands) {
      if (sub.app->parsed()) return sub.run();
    }
  } catch (const initcheck::InputError& e) {
    std::cerr << "initcheck: error: " << e.what() << '\n';
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "initcheck: internal error: " << e.what() << '\n';
    return kExitInternal;
  }
  return kExitBadInput;
} catch (...) {  // e.g. std::bad_alloc while building the command line: exit 4, never terminate
  std::cerr << "initcheck: internal error: unexpected exception\n";
  return kExitInternal;
}
