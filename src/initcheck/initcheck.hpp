#pragma once
/// The public API of the initcheck library in one include: describe a network (NetworkConfig,
/// or a CheckRequest as the command line spells it), choose an init scheme and activation, and
/// check the stability claims with check_configuration (README, "Using the library").

#include "initcheck/claims/check.hpp"          // check_configuration, CheckOptions, CheckResult
#include "initcheck/claims/check_request.hpp"  // CheckRequest, make_network_config, ...
#include "initcheck/claims/claim_id.hpp"       // ClaimId, claim_name
#include "initcheck/claims/claim_result.hpp"   // ClaimResult
#include "initcheck/init/builtin_schemes.hpp"  // register_builtin_schemes
#include "initcheck/init/init_scheme.hpp"      // InitScheme, WeightLaw
#include "initcheck/init/registry.hpp"         // Registry
#include "initcheck/init/spec_parser.hpp"      // parse_init_spec
#include "initcheck/model/network_config.hpp"  // NetworkConfig, Architecture, Norm, InputKind
#include "initcheck/nn/activation.hpp"         // Activation
#include "initcheck/stats/verdict.hpp"         // Verdict, to_string

namespace initcheck {

using claims::check_configuration;
using claims::CheckOptions;
using claims::CheckRequest;
using claims::CheckResult;
using claims::ClaimId;
using claims::ClaimResult;
using claims::make_check_options;
using claims::make_network_config;
using init::InitScheme;
using model::NetworkConfig;
using nn::Activation;
using stats::Verdict;

}  // namespace initcheck
