#pragma once
/// Markdown building blocks that render the same on GitHub (GFM) and in CommonMark.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace initcheck::report {

/// Plain text as Markdown: backslash-escapes the punctuation that could start markup
/// (\ ` * _ [ ] < > | # ~ $ &) and turns line breaks into spaces, so it is safe in a table cell.
std::string escape_markdown(std::string_view text);

/// `text` as an inline code span (fence longer than any backtick run inside). In a table cell
/// (`in_table`) `|` is escaped as GFM requires; elsewhere it is kept literally.
std::string code_span(std::string_view text, bool in_table = true);

enum class Align { left, right, center };

/// A GFM pipe table; cells are Markdown (escape plain text first).
class MarkdownTable {
 public:
  struct Column {
    std::string header;
    Align align = Align::left;
  };

  explicit MarkdownTable(std::vector<Column> columns) : columns_(std::move(columns)) {}

  /// Adds a row; throws std::logic_error when it has not one cell per column.
  void add_row(std::vector<std::string> cells);
  [[nodiscard]] bool empty() const { return rows_.empty(); }
  /// Writes the header, delimiter and rows, each line ending in '\n'.
  void write(std::ostream& out) const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace initcheck::report
