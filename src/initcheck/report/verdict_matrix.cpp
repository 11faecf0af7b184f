#include "initcheck/report/verdict_matrix.hpp"

#include <algorithm>

#include "initcheck/report/markdown_report.hpp"
#include "initcheck/report/markdown_text.hpp"

namespace initcheck::report {
namespace {

Mark mark_of(const sweep::CellResult& cell) {
  if (!cell.ok()) return Mark::invalid;
  switch (cell.result.overall) {
    case stats::Verdict::holds: return Mark::holds;
    case stats::Verdict::violated: return Mark::violated;
    case stats::Verdict::inconclusive: return Mark::inconclusive;
  }
  return Mark::inconclusive;
}

/// Severity order of marks for merging cells of one matrix entry.
int rank(Mark mark) {
  switch (mark) {
    case Mark::invalid: return 0;
    case Mark::holds: return 1;
    case Mark::inconclusive: return 2;
    case Mark::violated: return 3;
  }
  return 0;
}

std::size_t index_of(std::vector<std::string>& names, const std::string& name) {
  auto it = std::find(names.begin(), names.end(), name);
  if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
  names.push_back(name);
  return names.size() - 1;
}

/// Column letters: A … Z, then AA, AB, ….
std::string column_letter(std::size_t i) {
  std::string out;
  for (std::size_t n = i + 1; n > 0; n = (n - 1) / 26) {
    out.insert(out.begin(), static_cast<char>('A' + (n - 1) % 26));
  }
  return out;
}

}  // namespace

std::string_view mark_symbol(Mark mark) {
  switch (mark) {
    case Mark::holds: return "✅";
    case Mark::inconclusive: return "❔";
    case Mark::violated: return "❌";
    case Mark::invalid: return "⛔";
  }
  return "";
}

VerdictMatrix verdict_matrix(const sweep::SweepResults& results) {
  VerdictMatrix m;
  for (const sweep::CellResult& cell : results.cells) {
    const std::size_t column = index_of(m.schemes, cell.request.init);
    const std::size_t row = index_of(m.configurations, describe_configuration(cell.request));
    if (m.marks.size() <= row) m.marks.resize(row + 1);
    for (auto& r : m.marks) r.resize(m.schemes.size());
    std::optional<Mark>& entry = m.marks[row][column];
    const Mark mark = mark_of(cell);
    if (!entry || rank(mark) > rank(*entry)) entry = mark;
  }
  return m;
}

void write_verdict_matrix(std::ostream& out, const VerdictMatrix& matrix) {
  out << mark_symbol(Mark::holds) << " every checked claim holds · " << mark_symbol(Mark::violated)
      << " a claim is violated · " << mark_symbol(Mark::inconclusive)
      << " inconclusive, nothing violated · " << mark_symbol(Mark::invalid)
      << " could not be built · blank: not in the sweep. Schemes:";
  for (std::size_t i = 0; i < matrix.schemes.size(); ++i) {
    out << (i == 0 ? " " : ", ") << "**" << column_letter(i) << "** "
        << code_span(matrix.schemes[i], false);
  }
  out << ".\n\n";
  std::vector<MarkdownTable::Column> columns{{"configuration"}};
  for (std::size_t i = 0; i < matrix.schemes.size(); ++i) {
    columns.push_back({column_letter(i), Align::center});
  }
  MarkdownTable table(std::move(columns));
  for (std::size_t row = 0; row < matrix.configurations.size(); ++row) {
    std::vector<std::string> cells{escape_markdown(matrix.configurations[row])};
    for (const std::optional<Mark>& mark : matrix.marks[row]) {
      cells.emplace_back(mark ? mark_symbol(*mark) : "");
    }
    table.add_row(std::move(cells));
  }
  table.write(out);
}

}  // namespace initcheck::report
