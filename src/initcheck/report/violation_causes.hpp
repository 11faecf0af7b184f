#pragma once
/// Violations grouped by cause for the report's "Findings by cause": one group per claim, init
/// scheme and kind of network (variance and gradient together: a wrong gain shows in both), one
/// for gradient growth under normalization whatever the scheme, and one trivial group for every
/// violation of a fixed-scale init (a weight scale that ignores the fan, e.g. `normal(std=1)`).

#include <ostream>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "initcheck/claims/claim_id.hpp"
#include "initcheck/sweep/sweep_results.hpp"

namespace initcheck::report {

struct ViolationCause {
  bool fixed_scale = false;                     ///< the trivial group of fixed-scale inits
  std::vector<std::string> inits;               ///< the init specs, in sweep order
  std::set<claims::ClaimId> claims;             ///< the violated claims
  std::string network;                          ///< e.g. "mlp", "mlp, batchnorm", "resnet, fp16"
  std::vector<const sweep::CellResult*> cells;  ///< distinct cells, in sweep order
  std::size_t violations = 0;                   ///< (claim, cell) violations in the group
  const claims::ClaimResult* worst = nullptr;   ///< the most severe violation
  const sweep::CellResult* worst_cell = nullptr;
};

/// True for a fixed-scale init spec: `zeros`, or `normal`/`uniform`/`truncated_normal` whose
/// arguments are all plain numbers (`normal(std=0.01)`, not `normal(std=1/sqrt(fan_in))`).
bool fixed_scale_init(const std::string& spec);

/// The violations of `results` by cause: the non-trivial causes, most severe first (NaN
/// severities last), then the fixed-scale group if there is one. A fixed-scale init's violation
/// of `gradient` under normalization, `dominance`, `batch-stats` or `batchnorm` is not a scale
/// error and keeps its own group.
std::vector<ViolationCause> group_violations(const sweep::SweepResults& results);

/// One Markdown list item per cause.
void write_violation_causes(std::ostream& out, std::span<const ViolationCause> causes);

}  // namespace initcheck::report
