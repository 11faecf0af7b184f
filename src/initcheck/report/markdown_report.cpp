#include "initcheck/report/markdown_report.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/claim_id.hpp"
#include "initcheck/claims/claim_registry.hpp"
#include "initcheck/core/number_format.hpp"
#include "initcheck/report/markdown_text.hpp"
#include "initcheck/report/report_files.hpp"
#include "initcheck/report/verdict_matrix.hpp"
#include "initcheck/report/violation_causes.hpp"

namespace initcheck::report {
namespace {

using claims::ClaimId;
using claims::ClaimResult;
using sweep::CellResult;

std::string shell_word(const std::string& text) {
  const bool safe = !text.empty() && text.find_first_not_of(
                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789_.,=/+-:") == std::string::npos;
  if (safe) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string format_interval(double lo, double hi) {
  std::string out = "[";
  out += format_number(lo);
  out += ", ";
  out += format_number(hi);
  return out + "]";
}

std::string format_band(const stats::ToleranceBand& band) {
  const bool lo_open = std::isinf(band.lo) && band.lo < 0;
  const bool hi_open = std::isinf(band.hi) && band.hi > 0;
  if (lo_open && hi_open) return "any";
  if (lo_open) return "≤ " + format_number(band.hi);
  if (hi_open) return "≥ " + format_number(band.lo);
  return format_interval(band.lo, band.hi);
}

std::string format_alpha(double level) {
  if (!(level > 0.0 && level <= 1.0)) return "—";
  return format_number(1.0 - level);
}

std::string format_predicted(double predicted) {
  return std::isnan(predicted) ? "—" : format_number(predicted);
}

std::string configurations(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " configuration" : " configurations");
}

std::string format_layer(int layer) {
  return layer < 0 ? "all" : std::to_string(layer);
}

std::string format_verdict(stats::Verdict v) {
  const std::string text(stats::to_string(v));
  return v == stats::Verdict::violated ? "**" + text + "**" : text;
}

/// The configuration column: the init spec as code, then the rest of the configuration.
std::string configuration_cell(const claims::CheckRequest& request) {
  return code_span(request.init) + " " + escape_markdown(describe_configuration(request));
}

std::string claim_link(ClaimId id) {
  const std::string name(claims::claim_name(id));
  std::string out = "[";
  out += escape_markdown(name);
  return out + "](#claim-" + name + ")";
}

const ClaimResult* find_claim(const CellResult& cell, ClaimId id) {
  for (const ClaimResult& c : cell.result.claims) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

struct ClaimCounts {
  std::size_t checked = 0;
  std::size_t holds = 0;
  std::size_t violated = 0;
  std::size_t inconclusive = 0;
  std::size_t not_applicable = 0;
};

/// Whether the cell's request asked for claim `id` (an empty list asks for every claim).
bool selected(const CellResult& cell, ClaimId id) {
  const std::vector<std::string>& list = cell.request.claims;
  return list.empty() || std::find(list.begin(), list.end(), claims::claim_name(id)) != list.end();
}

/// The cell's result for claim `id` when the cell was built and its request selected the claim.
const ClaimResult* selected_claim(const CellResult& cell, ClaimId id) {
  return cell.ok() && selected(cell, id) ? find_claim(cell, id) : nullptr;
}

/// Counts over the cells that selected claim `id` (claims a sweep block left out are not
/// counted anywhere).
ClaimCounts count_claim(const sweep::SweepResults& results, ClaimId id) {
  ClaimCounts counts;
  for (const CellResult& cell : results.cells) {
    const ClaimResult* c = selected_claim(cell, id);
    if (c == nullptr) continue;
    if (!c->applicable) {
      ++counts.not_applicable;
      continue;
    }
    ++counts.checked;
    switch (c->verdict) {
      case stats::Verdict::holds: ++counts.holds; break;
      case stats::Verdict::violated: ++counts.violated; break;
      case stats::Verdict::inconclusive: ++counts.inconclusive; break;
    }
  }
  return counts;
}

struct Violation {
  const CellResult* cell;
  const ClaimResult* claim;
  std::size_t claim_order;
};

/// Severity for sorting: NaN sorts last.
double sort_severity(double severity) {
  return std::isnan(severity) ? -std::numeric_limits<double>::infinity() : severity;
}

std::vector<Violation> collect_violations(const sweep::SweepResults& results) {
  std::vector<Violation> out;
  for (const CellResult& cell : results.cells) {
    if (!cell.ok()) continue;
    for (std::size_t k = 0; k < claims::kAllClaims.size(); ++k) {
      const ClaimResult* c = find_claim(cell, claims::kAllClaims[k]);
      if (c != nullptr && c->applicable && c->verdict == stats::Verdict::violated) {
        out.push_back({&cell, c, k});
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Violation& a, const Violation& b) {
    const double sa = sort_severity(a.claim->severity);
    const double sb = sort_severity(b.claim->severity);
    if (sa != sb) return sa > sb;
    if (a.cell->index != b.cell->index) return a.cell->index < b.cell->index;
    return a.claim_order < b.claim_order;
  });
  return out;
}

/// Causes other than the trivial group of fixed-scale inits.
std::size_t real_cause_count(const std::vector<ViolationCause>& causes) {
  return static_cast<std::size_t>(std::count_if(
      causes.begin(), causes.end(), [](const ViolationCause& c) { return !c.fixed_scale; }));
}

/// The first screen's paragraph: how many configurations hold, which schemes never fail, how
/// much of the damage is trivial scale errors, and where the causes are listed.
void write_answer(std::ostream& out, const sweep::SweepResults& results,
                  const std::vector<ViolationCause>& causes) {
  std::size_t invalid = 0;
  std::size_t violating = 0;
  std::size_t inconclusive = 0;
  std::vector<std::string> schemes;  // in sweep order
  std::vector<std::string> failing;  // schemes with a violating cell
  for (const CellResult& cell : results.cells) {
    if (!cell.ok()) {
      ++invalid;
      continue;
    }
    const std::string& init = cell.request.init;
    if (std::find(schemes.begin(), schemes.end(), init) == schemes.end()) schemes.push_back(init);
    if (cell.result.overall == stats::Verdict::violated) {
      ++violating;
      if (std::find(failing.begin(), failing.end(), init) == failing.end()) failing.push_back(init);
    } else if (cell.result.overall == stats::Verdict::inconclusive) {
      ++inconclusive;
    }
  }
  ClaimCounts verdicts;
  for (ClaimId id : claims::kAllClaims) {
    const ClaimCounts c = count_claim(results, id);
    verdicts.checked += c.checked;
    verdicts.holds += c.holds;
    verdicts.violated += c.violated;
    verdicts.inconclusive += c.inconclusive;
  }
  const std::size_t valid = results.cells.size() - invalid;
  out << "**Answer.** Of the " << configurations(results.cells.size()) << " in "
      << code_span(results.info.file.empty() ? "(unnamed)" : results.info.file, false) << ", "
      << valid - violating - inconclusive << " satisfy every claim they checked, " << violating
      << " violate at least one and " << inconclusive
      << (inconclusive == 1 ? " is inconclusive" : " are inconclusive");
  if (invalid > 0) out << "; " << invalid << " could not be built";
  out << " (" << verdicts.checked << " claim verdicts: " << verdicts.holds << " hold, "
      << verdicts.violated << " violated, " << verdicts.inconclusive << " inconclusive). ";
  std::vector<std::string> clean;
  for (const std::string& s : schemes) {
    if (std::find(failing.begin(), failing.end(), s) == failing.end()) {
      clean.push_back(code_span(s, false));
    }
  }
  if (clean.empty()) {
    out << "No init scheme holds in every configuration it was run in. ";
  } else {
    out << "Never violated: ";
    for (std::size_t i = 0; i < clean.size(); ++i) out << (i == 0 ? "" : ", ") << clean[i];
    out << ". ";
  }
  const std::size_t real_causes = real_cause_count(causes);
  const auto fixed = std::find_if(causes.begin(), causes.end(),
                                  [](const ViolationCause& c) { return c.fixed_scale; });
  const std::size_t fixed_violating = fixed == causes.end() ? 0 : fixed->cells.size();
  if (fixed_violating > 0) {
    out << fixed_violating << " of the violating configurations "
        << (fixed_violating == 1 ? "uses" : "use") << " a fixed-scale init (";
    const std::vector<std::string>& specs = fixed->inits;
    for (std::size_t i = 0; i < specs.size(); ++i) {
      out << (i == 0 ? "" : ", ") << code_span(specs[i], false);
    }
    out << "), whose signal explodes or vanishes as expected; ";
  }
  if (violating > 0) {
    out << (fixed_violating > 0 ? "the " : "The ") << "other violations have " << real_causes
        << (real_causes == 1 ? " cause" : " causes")
        << ", listed under [Findings by cause](#findings-by-cause). ";
  }
  out << "A violation is a confidence interval entirely outside its tolerance band; a "
         "configuration that satisfies its claims is reported as violating one with probability "
         "at most α = "
      << format_number(claims::CheckOptions{}.alpha) << ".\n\n";
}

/// The most severe non-trivial causes, so the first screen names what to fix before the matrix
/// (the full list follows the matrix; group_violations puts them first).
void write_top_findings(std::ostream& out, const std::vector<ViolationCause>& causes) {
  constexpr std::size_t kTop = 3;
  const std::size_t real = real_cause_count(causes);
  if (real == 0) return;
  out << "**Top findings** (most severe first";
  if (real > kTop) out << "; all " << real << " under [Findings by cause](#findings-by-cause)";
  out << "):\n\n";
  write_violation_causes(out, std::span(causes).first(std::min(real, kTop)));
  out << '\n';
}

void write_first_screen(std::ostream& out, const sweep::SweepResults& results) {
  out << kGeneratedMarker << "\n# initcheck stability report\n\n";
  const std::vector<ViolationCause> causes = group_violations(results);
  write_answer(out, results, causes);
  write_top_findings(out, causes);
  out << "## Verdicts by scheme and configuration\n\n";
  write_verdict_matrix(out, verdict_matrix(results));
  out << "\n## Findings by cause\n\n";
  if (causes.empty()) {
    out << "No configuration violates a claim it checked.\n\n";
    return;
  }
  out << "One line per cause (claim · init scheme · kind of network), most severe first; every "
         "violation is in [the full table](#violations-most-severe-first) with the command that "
         "reproduces it.\n\n";
  write_violation_causes(out, causes);
  out << '\n';
}

void write_details(std::ostream& out, const sweep::SweepResults& results) {
  const sweep::SweepInfo& info = results.info;
  out << "## Details\n\n";
  const std::string file = info.file.empty() ? "(unnamed)" : info.file;
  out << "Sweep " << code_span(file, false) << ", master seed " << info.seed << ", " << info.cells
      << " configurations (fingerprint " << code_span(info.fingerprint, false)
      << "). Regenerate this report with "
      << code_span("initcheck report --sweep " + shell_word(file) + " --seed " +
                       std::to_string(info.seed),
                   false)
      << "; every finding lists the " << code_span("initcheck check", false)
      << " command that reproduces it.\n\n";
  out << "Every verdict compares a confidence interval (CI) with the claim's tolerance band: "
         "**holds** when the CI lies inside the band, **violated** when it lies entirely "
         "outside, **inconclusive** when it straddles a bound. The probability that a "
         "configuration is reported as violating a claim it satisfies is at most α = "
      << format_number(claims::CheckOptions{}.alpha)
      << ", split over its claims and layers; the α column gives each interval's share "
         "(CI level 1 − α). K is the tolerance on the std (second moment within [1/K², K²]). "
         "Severity is how far the CI lies outside the band, in log10 units of the violated "
         "bound. Some violations are true findings of the theory, not bugs; tolerances are never "
         "loosened to hide them.\n\n";

  out << "### Claims checked\n\n"
      << "Counts over the configurations whose sweep block selected the claim.\n\n";
  MarkdownTable table({{"claim"},
                       {"configurations checked", Align::right},
                       {"holds", Align::right},
                       {"violated", Align::right},
                       {"inconclusive", Align::right},
                       {"not applicable", Align::right}});
  std::vector<std::string> unchecked;
  for (ClaimId id : claims::kAllClaims) {
    const ClaimCounts c = count_claim(results, id);
    if (c.checked + c.not_applicable == 0) {
      unchecked.emplace_back(claims::claim_name(id));
      continue;
    }
    table.add_row({claim_link(id), std::to_string(c.checked), std::to_string(c.holds),
                   std::to_string(c.violated), std::to_string(c.inconclusive),
                   std::to_string(c.not_applicable)});
  }
  if (table.empty()) {
    out << "No configuration checked a claim.\n";
  } else {
    table.write(out);
  }
  if (!unchecked.empty()) {
    out << "\nNot checked in this sweep: ";
    for (std::size_t i = 0; i < unchecked.size(); ++i) {
      out << (i == 0 ? "" : ", ") << escape_markdown(unchecked[i]);
    }
    out << ".\n";
  }

  out << "\n### Violations, most severe first\n\n";
  const std::vector<Violation> violations = collect_violations(results);
  if (violations.empty()) {
    out << "No configuration violates a claim.\n\n";
    return;
  }
  MarkdownTable vt({{"#", Align::right},
                    {"claim"},
                    {"configuration"},
                    {"quantity"},
                    {"measured", Align::right},
                    {"CI"},
                    {"predicted", Align::right},
                    {"tolerance"},
                    {"layer", Align::right},
                    {"severity", Align::right},
                    {"reproduce"}});
  std::size_t rank = 0;
  for (const Violation& v : violations) {
    const ClaimResult& c = *v.claim;
    vt.add_row({std::to_string(++rank), claim_link(c.id), configuration_cell(v.cell->request),
                escape_markdown(c.quantity), format_number(c.measured),
                format_interval(c.ci.lower, c.ci.upper), format_predicted(c.predicted),
                format_band(c.band), format_layer(c.layer), format_number(c.severity),
                code_span(claims::reproduce_command(v.cell->request))});
  }
  vt.write(out);
  out << '\n';
}

void write_claim_section(std::ostream& out, const sweep::SweepResults& results, ClaimId id) {
  const claims::ClaimDescriptor& claim = claims::claim_descriptor(id);
  out << "## Claim: " << claim.name << "\n\n"
      << "> \"" << escape_markdown(claim.quote) << "\"\n\n"
      << "**Measured:** " << escape_markdown(claim.measure) << ".\n\n"
      << "**Method:** " << escape_markdown(claims::claim_method(id)) << "\n\n";

  MarkdownTable table({{"cell", Align::right},
                       {"configuration"},
                       {"verdict"},
                       {"quantity"},
                       {"measured", Align::right},
                       {"CI"},
                       {"α", Align::right},
                       {"predicted", Align::right},
                       {"tolerance"},
                       {"layer", Align::right},
                       {"advice"}});
  std::vector<std::pair<std::string, std::size_t>> reasons;  // first-seen order
  for (const CellResult& cell : results.cells) {
    const ClaimResult* c = selected_claim(cell, id);
    if (c == nullptr) continue;
    if (!c->applicable) {
      auto it = std::find_if(reasons.begin(), reasons.end(),
                             [c](const auto& r) { return r.first == c->not_applicable_reason; });
      if (it == reasons.end()) {
        reasons.emplace_back(c->not_applicable_reason, 1);
      } else {
        ++it->second;
      }
      continue;
    }
    table.add_row({std::to_string(cell.index), configuration_cell(cell.request),
                   format_verdict(c->verdict), escape_markdown(c->quantity),
                   format_number(c->measured), format_interval(c->ci.lower, c->ci.upper),
                   format_alpha(c->ci.level), format_predicted(c->predicted), format_band(c->band),
                   format_layer(c->layer),
                   c->verdict == stats::Verdict::violated ? escape_markdown(c->advice) : ""});
  }
  if (table.empty()) {
    out << "No configuration in this sweep exercises this claim.\n\n";
  } else {
    const ClaimCounts counts = count_claim(results, id);
    out << "Checked on " << configurations(counts.checked) << ": holds in " << counts.holds
        << ", violated in " << counts.violated << ", inconclusive in " << counts.inconclusive
        << ".\n\n";
    table.write(out);
    out << '\n';
  }
  if (!reasons.empty()) {
    out << "Not applicable in";
    bool first = true;
    for (const auto& [reason, count] : reasons) {
      out << (first ? " " : "; ") << configurations(count) << " ("
          << escape_markdown(reason.empty() ? "no reason given" : reason) << ")";
      first = false;
    }
    out << ".\n\n";
  }
}

void write_plots(std::ostream& out, const std::vector<NamedFigure>& plots) {
  out << "## Signal propagation\n\n";
  if (plots.empty()) {
    out << "No configuration in this sweep recorded per-layer curves.\n\n";
    return;
  }
  for (const NamedFigure& plot : plots) {
    out << "### " << escape_markdown(plot.heading) << "\n\n"
        << "![" << escape_markdown(plot.alt) << "](" << plot.file << ")\n\n"
        << escape_markdown(plot.caption) << "\n\n";
  }
}

void write_errors(std::ostream& out, const sweep::SweepResults& results) {
  MarkdownTable table({{"cell", Align::right}, {"configuration"}, {"error"}, {"command"}});
  for (const CellResult& cell : results.cells) {
    if (cell.ok()) continue;
    table.add_row({std::to_string(cell.index), configuration_cell(cell.request),
                   escape_markdown(cell.error),
                   code_span(claims::reproduce_command(cell.request))});
  }
  if (table.empty()) return;
  out << "## Invalid configurations\n\n"
      << "These cells of the sweep describe configurations that cannot be built; they were "
         "skipped.\n\n";
  table.write(out);
  out << '\n';
}

}  // namespace

std::string describe_configuration(const claims::CheckRequest& r) {
  const claims::CheckRequest defaults;
  std::vector<std::string> parts{r.activation};
  std::string shape = r.arch + " ";
  if (!r.widths.empty()) {
    shape += "widths ";
    for (std::size_t i = 0; i < r.widths.size(); ++i) {
      shape += (i == 0 ? "" : "→") + std::to_string(r.widths[i]);
    }
  } else if (r.arch == "resnet") {
    shape += std::to_string(r.depth) + " blocks × " + std::to_string(r.width);
  } else if (r.arch == "transformer") {
    shape += std::to_string(r.depth) + " blocks × " + std::to_string(r.width) + " (" +
             std::to_string(r.tokens) + " tokens, " + std::to_string(r.heads) +
             " heads, mlp ratio " + format_number(r.mlp_ratio) +
             (r.mask == "causal" ? ", causal" : "") + (r.residual == "no" ? ", no residual" : "") +
             ")";
  } else {
    shape += std::to_string(r.depth) + "×" + std::to_string(r.width);
  }
  if (r.arch == "conv") {
    shape += " (kernel " + std::to_string(r.kernel) + ", " + std::to_string(r.spatial) + "×" +
             std::to_string(r.spatial) + " input)";
  }
  parts.push_back(shape);
  if (r.arch == "resnet" || r.arch == "transformer" || r.branch_scale != defaults.branch_scale) {
    parts.push_back("branch scale " + r.branch_scale);
  }
  if (r.norm != defaults.norm) parts.push_back(claims::describe_norm(r));
  if (r.precision != defaults.precision) parts.push_back(r.precision);
  if (r.input != defaults.input) parts.push_back(r.input + " input");
  if (r.batch != defaults.batch) parts.push_back("batch " + std::to_string(r.batch));
  if (r.tolerance != defaults.tolerance) parts.push_back("K " + format_number(r.tolerance));
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

void write_markdown_report(std::ostream& out, const sweep::SweepResults& results,
                           const std::vector<NamedFigure>& plots,
                           const std::vector<GainRow>& gains) {
  write_first_screen(out, results);
  write_plots(out, plots);
  write_details(out, results);
  for (ClaimId id : claims::kAllClaims) {
    const ClaimCounts c = count_claim(results, id);
    if (c.checked + c.not_applicable > 0) write_claim_section(out, results, id);
  }
  out << "## Variance-preserving gains vs PyTorch's calculate\\_gain\n\n";
  write_gain_table(out, gains);
  out << '\n';
  write_errors(out, results);
}

}  // namespace initcheck::report
