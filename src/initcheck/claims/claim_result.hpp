#pragma once
/// The outcome of checking one claim on one configuration.

#include <string>

#include "initcheck/claims/claim_id.hpp"
#include "initcheck/stats/confidence_interval.hpp"
#include "initcheck/stats/verdict.hpp"

namespace initcheck::claims {

struct ClaimResult {
  ClaimId id = ClaimId::variance;
  bool applicable = true;
  std::string not_applicable_reason;  ///< why the claim was skipped (when !applicable)
  stats::Verdict verdict = stats::Verdict::inconclusive;
  std::string quantity;          ///< what `measured` is, e.g. "Π g_l over 50 layers"
  double measured = 0.0;         ///< point estimate (= ci.estimate)
  stats::ConfidenceInterval ci;  ///< at the level the error budget assigns this claim
  double predicted = 0.0;        ///< theory oracle's value of the same quantity (NaN if none)
  stats::ToleranceBand band;     ///< tolerance the CI is compared with
  int layer = -1;                ///< 1-based worst/first failing layer; −1 = whole network
  int first_layer = -1;          ///< 1-based first failing layer (−1 = none / not per layer)
  /// Severity for sorting: how far outside the band, in log10 units of the violated bound
  /// (0 when the claim holds).
  double severity = 0.0;
  std::string advice;  ///< on violation: what to change (one line)
};

}  // namespace initcheck::claims
