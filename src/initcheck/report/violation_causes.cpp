#include "initcheck/report/violation_causes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <tuple>

#include "initcheck/claims/check_request.hpp"
#include "initcheck/core/number_format.hpp"
#include "initcheck/report/markdown_report.hpp"
#include "initcheck/report/markdown_text.hpp"

namespace initcheck::report {
namespace {

using claims::ClaimId;

bool plain_number(const std::string& text) {
  const std::size_t begin = text.find_first_not_of(' ');
  const std::size_t end = text.find_last_not_of(' ');
  if (begin == std::string::npos) return false;
  const std::string trimmed = text.substr(begin, end - begin + 1);
  char* stop = nullptr;
  std::strtod(trimmed.c_str(), &stop);
  return stop == trimmed.c_str() + trimmed.size();
}

/// Whether a fixed-scale init's violation of `claim` in `request` is the scale error itself.
bool scale_error(ClaimId claim, const claims::CheckRequest& request) {
  switch (claim) {
    case ClaimId::dominance:
    case ClaimId::batch_stats:
    case ClaimId::batchnorm:
    case ClaimId::correlation: return false;  // cosines do not see the scale (without a bias)
    case ClaimId::gradient: return request.norm == "none";
    default: return true;
  }
}

/// The kind of network a cause applies to: the architecture and the non-default settings that
/// change the mechanism (normalization, rectangular widths, input; the storage format only for
/// the claims about it).
std::string network_kind(ClaimId claim, const claims::CheckRequest& r) {
  const claims::CheckRequest defaults;
  std::string out = r.arch;
  if (!r.widths.empty()) out += ", rectangular widths";
  if (r.norm != defaults.norm) out += ", " + claims::describe_norm(r);
  if (r.input != defaults.input) out += ", " + r.input + " input";
  const bool about_storage = claim == ClaimId::precision || claim == ClaimId::bn_input;
  if (about_storage && r.precision != defaults.precision) out += ", " + r.precision;
  return out;
}

/// Claims with one mechanism for one scheme: a wrong gain shows in the forward (variance) and
/// the backward (gradient) second moment alike.
int claim_group(ClaimId claim) {
  return claim == ClaimId::gradient ? static_cast<int>(ClaimId::variance) : static_cast<int>(claim);
}

double sort_key(const claims::ClaimResult* c) {
  return std::isnan(c->severity) ? -std::numeric_limits<double>::infinity() : c->severity;
}

void add(ViolationCause& cause, const sweep::CellResult& cell, const claims::ClaimResult& claim) {
  if (std::find(cause.inits.begin(), cause.inits.end(), cell.request.init) == cause.inits.end()) {
    cause.inits.push_back(cell.request.init);
  }
  cause.claims.insert(claim.id);
  if (cause.cells.empty() || cause.cells.back() != &cell) cause.cells.push_back(&cell);
  ++cause.violations;
  if (cause.worst == nullptr || sort_key(&claim) > sort_key(cause.worst)) {
    cause.worst = &claim;
    cause.worst_cell = &cell;
  }
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

/// The activations of `cells`, in order, escaped.
std::string activations(const std::vector<const sweep::CellResult*>& cells) {
  std::vector<std::string> out;
  for (const sweep::CellResult* c : cells) {
    const std::string a = escape_markdown(c->request.activation);
    if (std::find(out.begin(), out.end(), a) == out.end()) out.push_back(a);
  }
  return join(out, ", ");
}

}  // namespace

bool fixed_scale_init(const std::string& spec) {
  if (spec == "zeros") return true;
  const std::size_t open = spec.find('(');
  if (open == std::string::npos || spec.back() != ')') return false;
  const std::string name = spec.substr(0, open);
  if (name != "normal" && name != "uniform" && name != "truncated_normal") return false;
  const std::string args = spec.substr(open + 1, spec.size() - open - 2);
  std::size_t start = 0;
  while (start <= args.size()) {
    const std::size_t comma = std::min(args.find(',', start), args.size());
    const std::string arg = args.substr(start, comma - start);
    const std::size_t eq = arg.find('=');
    if (!plain_number(eq == std::string::npos ? arg : arg.substr(eq + 1))) return false;
    start = comma + 1;
  }
  return true;
}

std::vector<ViolationCause> group_violations(const sweep::SweepResults& results) {
  using Key = std::tuple<int, std::string, std::string>;  // claim group, init, network kind
  std::vector<Key> order;
  std::map<Key, ViolationCause> groups;
  ViolationCause fixed;
  fixed.fixed_scale = true;
  for (const sweep::CellResult& cell : results.cells) {
    if (!cell.ok()) continue;
    for (const claims::ClaimResult& c : cell.result.claims) {
      if (!c.applicable || c.verdict != stats::Verdict::violated) continue;
      if (fixed_scale_init(cell.request.init) && scale_error(c.id, cell.request)) {
        add(fixed, cell, c);
        continue;
      }
      // Gradients grow under BatchNorm whatever the init: one cause for every scheme.
      const bool normalized_gradient = c.id == ClaimId::gradient && cell.request.norm != "none";
      const Key key{normalized_gradient ? -1 : claim_group(c.id),
                    normalized_gradient ? "" : cell.request.init, network_kind(c.id, cell.request)};
      if (!groups.contains(key)) {
        order.push_back(key);
        groups[key].network = std::get<2>(key);
      }
      add(groups[key], cell, c);
    }
  }
  std::vector<ViolationCause> out;
  for (const Key& k : order) out.push_back(groups[k]);
  std::stable_sort(out.begin(), out.end(), [](const ViolationCause& a, const ViolationCause& b) {
    return sort_key(a.worst) > sort_key(b.worst);
  });
  if (fixed.violations > 0) out.push_back(fixed);
  return out;
}

void write_violation_causes(std::ostream& out, std::span<const ViolationCause> causes) {
  for (const ViolationCause& cause : causes) {
    if (cause.fixed_scale) {
      std::vector<std::string> specs;
      for (const std::string& s : cause.inits) specs.push_back(code_span(s, false));
      std::vector<std::string> names;
      for (ClaimId id : claims::kAllClaims) {
        if (cause.claims.contains(id)) names.emplace_back(claims::claim_name(id));
      }
      out << "- **Fixed-scale inits** " << join(specs, ", ") << ": "
          << plural(cause.violations, "violation", "violations") << " ("
          << escape_markdown(join(names, ", ")) << ") in "
          << plural(cause.cells.size(), "configuration", "configurations")
          << ". The weight scale ignores the fan, so the signal explodes or vanishes "
             "geometrically with depth: an expected scale error, listed once.\n";
      continue;
    }
    std::vector<std::string> names;
    for (ClaimId id : claims::kAllClaims) {
      if (cause.claims.contains(id)) names.emplace_back(claims::claim_name(id));
    }
    std::vector<std::string> specs;
    for (const std::string& init : cause.inits) specs.push_back(code_span(init, false));
    out << "- **" << escape_markdown(join(names, ", ")) << "** · " << join(specs, ", ") << " · "
        << escape_markdown(cause.network) << ": "
        << plural(cause.cells.size(), "configuration", "configurations") << " ("
        << activations(cause.cells) << "); worst: "
        << escape_markdown(cause.worst->advice.empty() ? cause.worst->quantity
                                                       : cause.worst->advice)
        << " (" << escape_markdown(describe_configuration(cause.worst_cell->request))
        << ", severity " << format_number(cause.worst->severity) << ").\n";
  }
}

}  // namespace initcheck::report
