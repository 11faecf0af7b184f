#pragma once
/// The stability claims of README, "The claims": their ids (texts: claim_registry.hpp).

#include <array>
#include <string_view>
#include <vector>

namespace initcheck::claims {

enum class ClaimId {
  variance,
  growth,
  drift,
  precision,
  mean,
  dominance,
  batchnorm,
  bn_input,
  batch_stats,
  gradient,
  correlation
};

inline constexpr std::array<ClaimId, 11> kAllClaims = {
    ClaimId::variance,    ClaimId::growth,    ClaimId::drift,      ClaimId::precision,
    ClaimId::mean,        ClaimId::dominance, ClaimId::batchnorm,  ClaimId::bn_input,
    ClaimId::batch_stats, ClaimId::gradient,  ClaimId::correlation};

/// The id as used on the command line, in reports and JSON (`bn-input`, `batch-stats`, ...;
/// ClaimDescriptor::name).
std::string_view claim_name(ClaimId id);
/// Parses one id; throws InputError listing the valid ids.
ClaimId parse_claim(std::string_view name);
/// Parses a comma-separated list (`variance,drift`); duplicates removed, order kept.
std::vector<ClaimId> parse_claim_list(std::string_view csv);

}  // namespace initcheck::claims
