#include "initcheck/sweep/claims_checker.hpp"

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"

namespace initcheck::sweep {

Checker claims_checker(double max_memory_bytes) {
  return [max_memory_bytes](const claims::CheckRequest& request) {
    const model::NetworkConfig config = claims::make_network_config(request);
    claims::CheckOptions options = claims::make_check_options(request);
    options.threads = 1;  // the runner parallelizes over cells; results never depend on threads
    options.max_memory_bytes = max_memory_bytes;
    return claims::check_configuration(config, options);
  };
}

}  // namespace initcheck::sweep
