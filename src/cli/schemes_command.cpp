#include <iostream>

#include "commands.hpp"

namespace initcheck::cli {

Subcommand add_schemes_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("schemes", "List the registered init schemes with their variance formulas");
  return {sub, [] {
            std::cout << "(scheme registry not built yet)\n";
            return 0;
          }};
}

}  // namespace initcheck::cli
