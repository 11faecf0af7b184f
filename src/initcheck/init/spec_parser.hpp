#pragma once
/// Parses init spec strings: `NAME`, `NAME(key=value, ...)`, or a role map
/// `default=SPEC, ROLE=SPEC, ...` (README, "The command line").

#include <memory>
#include <string_view>

#include "initcheck/init/expression.hpp"
#include "initcheck/init/init_scheme.hpp"
#include "initcheck/init/registry.hpp"

namespace initcheck::init {

/// Parses `spec` against `registry`; number values are muParser expressions over the layer's
/// fans and `context` (evaluated per layer, when weights are filled or the law is asked for).
/// Throws InputError naming the offending token and its 1-based column (unknown scheme or
/// parameter with the expected list, bad word value, missing ')', duplicate key, empty spec,
/// expression syntax error, missing required parameter, unknown or duplicate role, roles that
/// disagree on biases). A role map (`KEY=SPEC, ...`, KEY = default or a role of
/// kLayerRoleNames, each SPEC a plain scheme whose commas sit inside its parentheses) gives a
/// RoleInit; `default=SPEC` alone gives SPEC. The result's name() re-parses to an equal scheme.
std::shared_ptr<const InitScheme> parse_init_spec(std::string_view spec, const Registry& registry,
                                                  const SpecContext& context = {});

}  // namespace initcheck::init
