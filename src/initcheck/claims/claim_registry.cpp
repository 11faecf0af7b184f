#include "initcheck/claims/claim_registry.hpp"

#include "initcheck/core/number_format.hpp"

namespace initcheck::claims {
namespace detail {
// One descriptor per claim, each defined in its claim's .cpp.
extern const ClaimDescriptor kVarianceClaim;
extern const ClaimDescriptor kGrowthClaim;
extern const ClaimDescriptor kDriftClaim;
extern const ClaimDescriptor kPrecisionClaim;
extern const ClaimDescriptor kMeanClaim;
extern const ClaimDescriptor kDominanceClaim;
extern const ClaimDescriptor kBatchnormClaim;
extern const ClaimDescriptor kBnInputClaim;
extern const ClaimDescriptor kBatchStatsClaim;
extern const ClaimDescriptor kGradientClaim;
extern const ClaimDescriptor kCorrelationClaim;
}  // namespace detail

const std::array<const ClaimDescriptor*, kAllClaims.size()>& claim_registry() {
  static const std::array<const ClaimDescriptor*, kAllClaims.size()> kRegistry = {
      &detail::kVarianceClaim,  &detail::kGrowthClaim,     &detail::kDriftClaim,
      &detail::kPrecisionClaim, &detail::kMeanClaim,       &detail::kDominanceClaim,
      &detail::kBatchnormClaim, &detail::kBnInputClaim,    &detail::kBatchStatsClaim,
      &detail::kGradientClaim,  &detail::kCorrelationClaim};
  return kRegistry;
}

const ClaimDescriptor& claim_descriptor(ClaimId id) {
  return *claim_registry()[static_cast<std::size_t>(id)];
}

std::string_view claim_name(ClaimId id) {
  return claim_descriptor(id).name;
}

std::string claim_method(ClaimId id) {
  const ClaimDescriptor& d = claim_descriptor(id);
  std::string text(d.method);
  if (!d.threshold.symbol.empty()) {
    text += " Tolerance: ";
    text += d.threshold.symbol;
    text += " = " + format_number(CheckOptions{}.*d.threshold.option) + ".";
  }
  return text;
}

}  // namespace initcheck::claims
