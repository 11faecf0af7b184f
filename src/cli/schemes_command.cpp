/// `initcheck schemes`: every registered init scheme with its parameters and variance formula.
#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/expression.hpp"
#include "initcheck/init/registry.hpp"

namespace initcheck::cli {
namespace {

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += separator;
    out += s;
  }
  return out;
}

/// `mode=fan_in, nonlinearity=relu, a=0`; required parameters as `std=EXPR`.
std::string describe_params(const init::SchemeInfo& info) {
  std::vector<std::string> parts;
  for (const init::ParamSpec& p : info.params) {
    parts.push_back(p.name + "=" + (p.default_value.empty() ? "EXPR" : p.default_value));
  }
  return join(parts, ", ");
}

void print_schemes(const init::Registry& registry, std::ostream& out) {
  const std::vector<const init::SchemeInfo*> schemes = registry.schemes();
  std::size_t name_width = 6;
  std::size_t param_width = 10;
  for (const init::SchemeInfo* s : schemes) {
    name_width = std::max(name_width, s->name.size());
    param_width = std::max(param_width, describe_params(*s).size());
  }
  auto row = [&](const std::string& name, const std::string& params, const std::string& formula) {
    out << name << std::string(name_width - name.size() + 2, ' ') << params
        << std::string(param_width - params.size() + 2, ' ') << formula << '\n';
  };
  row("SCHEME", "PARAMETERS", "VAR(W); DISTRIBUTION");
  for (const init::SchemeInfo* s : schemes) row(s->name, describe_params(*s), s->formula);

  // Word parameters: allowed values, each distinct (name, choices) once with its schemes.
  struct WordParam {
    std::string name;
    std::string choices;
    std::vector<std::string> schemes;
  };
  std::vector<WordParam> words;
  for (const init::SchemeInfo* s : schemes) {
    for (const init::ParamSpec& p : s->params) {
      if (p.kind != init::ParamKind::word) continue;
      const std::string choices = join(p.choices, " | ");
      auto it = std::find_if(words.begin(), words.end(), [&](const WordParam& w) {
        return w.name == p.name && w.choices == choices;
      });
      if (it == words.end()) {
        words.push_back({p.name, choices, {s->name}});
      } else {
        it->schemes.push_back(s->name);
      }
    }
  }
  if (!words.empty()) out << "\nWord parameters:\n";
  for (const WordParam& w : words) {
    out << "  " << w.name << " (" << join(w.schemes, ", ") << "): " << w.choices << '\n';
  }
  std::vector<std::string> roles;
  for (const std::string_view r : kLayerRoleNames) roles.emplace_back(r);
  out << "\nNumber parameters accept expressions (muParser syntax, plus x % y = fmod(x, y)) over: "
      << join(init::expression_variables(), ", ")
      << " (is_ROLE is 1 on layers of that role, else 0).\n"
      << "Spec syntax: NAME or NAME(key=value, ...), e.g. "
         "'kaiming_normal(mode=fan_out, nonlinearity=leaky_relu, a=0.2)', "
         "'normal(std=sqrt(2/fan_in))'.\n"
      << "Per layer role: default=SPEC, ROLE=SPEC, ... with ROLE one of " << join(roles, ", ")
      << ", e.g. 'default=normal(std=0.02), mlp.out=normal(std=0.02/sqrt(2*depth))'. mlp and "
         "conv layers are embed (first), hidden, readout (last; a 1-layer network's only layer); "
         "resnet branch layers mlp.in (first), mlp.hidden, mlp.out (last). A role the network "
         "lacks is ignored; a layer whose role has no scheme and no default is an error.\n";
}

}  // namespace

Subcommand add_schemes_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand(
      "schemes", "List the registered init schemes with their parameters and variance formulas");
  return {sub, [] {
            print_schemes(init::builtin_registry(), std::cout);
            return 0;
          }};
}

}  // namespace initcheck::cli
