#pragma once
/// The production sweep checker: builds the network from a cell's request and checks its claims.

#include "initcheck/sweep/runner.hpp"

namespace initcheck::sweep {

/// make_network_config(request), then check_configuration with make_check_options(request)
/// (claims, tolerance, alpha, seed), one thread per cell (the runner parallelizes over cells).
Checker claims_checker();

}  // namespace initcheck::sweep
