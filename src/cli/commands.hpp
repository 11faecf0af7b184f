#pragma once
/// The `initcheck` subcommands. Each `add_*_command` registers its subcommand (flags and help)
/// on the top-level app and returns the function that runs it once argv has been parsed.

#include <CLI/CLI.hpp>
#include <functional>

namespace initcheck::cli {

/// A registered subcommand and the function that runs it, returning the exit code.
struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

Subcommand add_schemes_command(CLI::App& app);
Subcommand add_report_command(CLI::App& app);
Subcommand add_merge_command(CLI::App& app);
Subcommand add_check_command(CLI::App& app);
Subcommand add_gain_command(CLI::App& app);
Subcommand add_theory_command(CLI::App& app);

}  // namespace initcheck::cli
