#include "initcheck/sweep/claims_checker.hpp"

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/claim_id.hpp"

namespace initcheck::sweep {

Checker claims_checker() {
  return [](const claims::CheckRequest& request) {
    const engine::NetworkConfig config = claims::make_network_config(request);
    claims::CheckOptions options;
    for (const std::string& id : request.claims) options.claims.push_back(claims::parse_claim(id));
    options.tolerance = request.tolerance;
    options.seed = request.seed;
    options.threads = 1;  // the runner parallelizes over cells; results never depend on threads
    return claims::check_configuration(config, options);
  };
}

}  // namespace initcheck::sweep
