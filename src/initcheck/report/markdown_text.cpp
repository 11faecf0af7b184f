#include "initcheck/report/markdown_text.hpp"

#include <algorithm>
#include <stdexcept>

namespace initcheck::report {

std::string escape_markdown(std::string_view text) {
  static constexpr std::string_view kSpecial = "\\`*_[]<>|#~$&";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      if (kSpecial.find(c) != std::string_view::npos) out += '\\';
      out += c;
    }
  }
  return out;
}

std::string code_span(std::string_view text, bool in_table) {
  std::size_t longest = 0;
  std::size_t run = 0;
  std::string body;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
    if (c == '\n' || c == '\r') {
      body += ' ';
    } else if (c == '|' && in_table) {
      body += "\\|";
    } else {
      body += c;
    }
  }
  const std::string fence(longest + 1, '`');
  const bool pad = !body.empty() && (body.front() == '`' || body.back() == '`');
  return fence + (pad ? " " : "") + body + (pad ? " " : "") + fence;
}

void MarkdownTable::add_row(std::vector<std::string> cells) {
  if (cells.size() != columns_.size()) {
    throw std::logic_error("markdown table row has " + std::to_string(cells.size()) +
                           " cells, header has " + std::to_string(columns_.size()));
  }
  rows_.push_back(std::move(cells));
}

void MarkdownTable::write(std::ostream& out) const {
  out << '|';
  for (const Column& c : columns_) out << ' ' << c.header << " |";
  out << "\n|";
  for (const Column& c : columns_) {
    out << (c.align == Align::right ? "---:|" : c.align == Align::center ? ":-:|" : "---|");
  }
  out << '\n';
  for (const auto& row : rows_) {
    out << '|';
    for (const std::string& cell : row) out << ' ' << (cell.empty() ? " " : cell) << " |";
    out << '\n';
  }
}

}  // namespace initcheck::report
