#pragma once
/// The production sweep checker: builds the network from a cell's request and checks its claims.

#include "initcheck/sweep/runner.hpp"

namespace initcheck::sweep {

/// make_network_config(request), then check_configuration with make_check_options(request)
/// (claims, tolerance, alpha, seed), one thread per cell (the runner parallelizes over cells).
/// A cell whose estimated memory exceeds `max_memory_bytes` (> 0) is an InputError (an error
/// row of the report), not an attempt.
Checker claims_checker(double max_memory_bytes = 0.0);

}  // namespace initcheck::sweep
