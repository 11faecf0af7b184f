/// `initcheck`: the command-line entry point (the only place that parses argv).

#include <cerrno>
#include <cstring>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "initcheck/core/error.hpp"
#include "one_line.hpp"
#include "strict_numbers.hpp"

namespace {

constexpr int kExitBadInput = 2;
constexpr int kExitInternal = 4;

/// Prints "initcheck: error: MESSAGE" on one line (input echoed in MESSAGE is escaped).
int bad_input(std::string_view message) {
  std::cerr << "initcheck: error: " << initcheck::cli::one_line(message) << '\n';
  return kExitBadInput;
}

/// The first argument that is not an option: the subcommand (the top-level app has only the
/// value-less --help and --version), or nullptr.
const char* first_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] != '-') return argv[i];
  }
  return nullptr;
}

/// Exit code `code` once stdout is flushed; a failed write (disk full, closed pipe) is exit 2
/// with the reason, never a silent success.
int flushed(int code) {
  errno = 0;
  std::cout.flush();
  if (std::cout) return code;
  const int err = errno;
  return bad_input(std::string("cannot write standard output: ") +
                   (err != 0 ? std::strerror(err) : "write failed"));
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{
      "initcheck: verifies, with stated error rates, whether an initialization scheme keeps\n"
      "activations and gradients at mean 0 / std 1 through depth, and reports where it breaks.\n"
      "Exit codes: 0 all checked claims hold, 1 a claim is violated, 2 bad usage or input\n"
      "(including a run that would exceed --max-memory), 3 nothing violated but something\n"
      "inconclusive, 4 an internal error (a bug).",
      "initcheck"};
  app.require_subcommand(1, 1);
  app.set_version_flag("--version", "initcheck " INITCHECK_VERSION);

  const std::vector<initcheck::cli::Subcommand> subcommands = {
      initcheck::cli::add_schemes_command(app), initcheck::cli::add_report_command(app),
      initcheck::cli::add_merge_command(app),   initcheck::cli::add_check_command(app),
      initcheck::cli::add_gain_command(app),    initcheck::cli::add_theory_command(app),
  };

  initcheck::cli::make_numbers_strict(app);

  if (const char* word = first_word(argc, argv)) {
    bool known = false;
    for (const auto& sub : subcommands) known = known || sub.app->check_name(word);
    if (!known) {
      return bad_input(std::string("unknown subcommand '") + word +
                       "'; expected one of: schemes, report, merge, check, gain, theory "
                       "(see initcheck --help)");
    }
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return flushed(app.exit(e));
  } catch (const CLI::ConversionError& e) {
    const auto range = initcheck::cli::out_of_range_message(e.what());
    return bad_input(range ? *range : std::string(e.what()) + " (see initcheck --help)");
  } catch (const CLI::ParseError& e) {
    return bad_input(std::string(e.what()) + " (see initcheck --help)");
  }

  try {
    for (const auto& sub : subcommands) {
      if (sub.app->parsed()) return flushed(sub.run());
    }
  } catch (const initcheck::InputError& e) {
    return bad_input(e.what());
  } catch (const std::exception& e) {
    std::cerr << "initcheck: internal error: " << initcheck::cli::one_line(e.what()) << '\n';
    return kExitInternal;
  }
  return kExitBadInput;
} catch (...) {  // e.g. std::bad_alloc while building the command line: exit 4, never terminate
  std::cerr << "initcheck: internal error: unexpected exception\n";
  return kExitInternal;
}
