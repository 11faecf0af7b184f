#pragma once
// Shared helpers for the claims tests: run `check` on a request and look up one claim.

#include <string>

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"

namespace initcheck::claims::testing {

/// Family level of every configuration checked in the claims tests: 1e-9, so the ≈ 30
/// configurations asserting "holds"/"not violated" spend ≤ 3e-8 of the suite's 1e-6 budget.
inline constexpr double kTestAlpha = 1e-9;

/// Runs check_configuration on the request (threads 2; results do not depend on it).
inline CheckResult run_check(const CheckRequest& request, int replicates = 0) {
  CheckOptions options;
  options.alpha = kTestAlpha;
  options.tolerance = request.tolerance;
  options.seed = request.seed;
  options.threads = 2;
  options.replicates = replicates;
  for (const std::string& c : request.claims) options.claims.push_back(parse_claim(c));
  return check_configuration(make_network_config(request), options);
}

inline const ClaimResult& claim(const CheckResult& r, ClaimId id) {
  return r.claims[static_cast<std::size_t>(id)];
}

inline CheckRequest mlp(std::string init, std::string activation, int depth, std::int64_t width) {
  CheckRequest r;
  r.init = std::move(init);
  r.activation = std::move(activation);
  r.depth = depth;
  r.width = width;
  r.batch = 64;
  r.seed = 1;
  return r;
}

}  // namespace initcheck::claims::testing
