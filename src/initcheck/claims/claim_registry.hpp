#pragma once
/// The claim registry: one descriptor per claim with everything that names, documents and
/// checks it. Each descriptor is defined next to its check (variance_claim.cpp, ...);
/// claim_registry.cpp collects them. README's claim table, the report's claim sections and
/// `initcheck check --help` read their texts from here (tests/claims/claim_registry_test.cpp).

#include <array>
#include <string>
#include <string_view>

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/claim_id.hpp"
#include "initcheck/claims/claim_result.hpp"
#include "initcheck/model/network_config.hpp"

namespace initcheck::claims {
namespace detail {
struct ClaimContext;  // detail/claim_context.hpp
}

/// A claim's own tolerance beyond K: its symbol in the texts and the CheckOptions field that
/// holds it (whose default the texts print).
struct ClaimThreshold {
  std::string_view symbol;                 ///< "δ", "ε"; empty = the claim has none
  double CheckOptions::*option = nullptr;  ///< e.g. &CheckOptions::drift_delta
};

struct ClaimDescriptor {
  ClaimId id;
  std::string_view name;          ///< the id on the command line, in reports and JSON (`bn-input`)
  std::string_view quote;         ///< the source statement it tests (a quote from the course forum)
  std::string_view measure;       ///< what is measured and its band, one line (README, report)
  std::string_view method;        ///< how it is decided, two or three sentences (report)
  ClaimThreshold threshold = {};  ///< its own tolerance, if any
  bool spends_alpha = true;       ///< false for a deterministic identity (no error budget)
  bool needs_backward = false;    ///< reads the backward pass
  bool needs_drift_networks = false;  ///< reads the extra forward-only networks (SamplePlan)
  bool needs_pair_networks = false;   ///< reads the pair runs (detail/pair_runs.hpp)
  /// Why the claim does not apply to a configuration (empty = it applies); nullptr = always.
  std::string (*not_applicable)(const model::NetworkConfig&) = nullptr;
  ClaimResult (*check)(const detail::ClaimContext&) = nullptr;

  /// not_applicable's reason, empty when the claim applies.
  std::string not_applicable_reason(const model::NetworkConfig& config) const {
    return not_applicable == nullptr ? std::string() : not_applicable(config);
  }
};

/// Every claim's descriptor, in kAllClaims order.
const std::array<const ClaimDescriptor*, kAllClaims.size()>& claim_registry();
/// The descriptor of `id`.
const ClaimDescriptor& claim_descriptor(ClaimId id);
/// The method text followed by the threshold's default ("… Tolerance: δ = 0.01.").
std::string claim_method(ClaimId id);

}  // namespace initcheck::claims
