#include "initcheck/report/markdown_text.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

namespace initcheck::report {
namespace {

TEST(MarkdownText, EscapesMarkupAndLineBreaks) {
  EXPECT_EQ(escape_markdown("a|b *c* _d_ [e](f) <g> `h` #i ~j~ $k$ &l; \\"),
            "a\\|b \\*c\\* \\_d\\_ \\[e\\](f) \\<g\\> \\`h\\` \\#i \\~j\\~ \\$k\\$ \\&l; \\\\");
  EXPECT_EQ(escape_markdown("two\nlines\r\n"), "two lines  ");
  EXPECT_EQ(escape_markdown("Π g_l ≤ 4"), "Π g\\_l ≤ 4");  // UTF-8 passes through
}

TEST(MarkdownText, CodeSpansEscapePipesOnlyInTables) {
  EXPECT_EQ(code_span("initcheck check --init 'normal(std=0.1)'"),
            "`initcheck check --init 'normal(std=0.1)'`");
  EXPECT_EQ(code_span("a|b"), "`a\\|b`");
  EXPECT_EQ(code_span("a|b", false), "`a|b`");
  EXPECT_EQ(code_span("x `y` z"), "``x `y` z``");
  EXPECT_EQ(code_span("`"), "`` ` ``");
}

TEST(MarkdownText, WritesPipeTables) {
  MarkdownTable table({{"name"}, {"value", Align::right}});
  EXPECT_TRUE(table.empty());
  table.add_row({"a", "1"});
  table.add_row({"", "2"});
  std::ostringstream out;
  table.write(out);
  EXPECT_EQ(out.str(), "| name | value |\n|---|---:|\n| a | 1 |\n|   | 2 |\n");
  EXPECT_THROW(table.add_row({"only one cell"}), std::logic_error);
}

}  // namespace
}  // namespace initcheck::report
