#pragma once
/// The Markdown stability report: answer, verdict matrix, causes, plots, details, gain table.

#include <ostream>
#include <string>
#include <vector>

#include "initcheck/claims/check_request.hpp"
#include "initcheck/report/gain_table.hpp"
#include "initcheck/report/plots.hpp"
#include "initcheck/sweep/sweep_results.hpp"

namespace initcheck::report {

/// Writes the report (GitHub-flavoured Markdown) for `results`. First screen: the marker
/// comment, a one-paragraph answer, the scheme × configuration verdict matrix and the
/// violations grouped by cause; then the plots (linked by their relative file names), the
/// details (method, counts of the claims checked, every violation sorted by severity with its
/// reproduce command), one section per claim some configuration checked, the gain table and
/// the invalid configurations.
/// Deterministic: a pure function of its arguments.
void write_markdown_report(std::ostream& out, const sweep::SweepResults& results,
                           const std::vector<NamedFigure>& plots,
                           const std::vector<GainRow>& gains);

/// A short human description of a configuration, e.g. "mlp 50×256, relu, fp16, batchnorm"
/// (settings equal to the defaults are left out; the init spec is shown separately).
std::string describe_configuration(const claims::CheckRequest& request);

}  // namespace initcheck::report
