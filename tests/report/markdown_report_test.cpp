#include "initcheck/report/markdown_report.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

#include "initcheck/claims/claim_registry.hpp"
#include "initcheck/report/markdown_text.hpp"
#include "initcheck/report/report_files.hpp"
#include "synthetic_results.hpp"

namespace initcheck::report {
namespace {

namespace fs = std::filesystem;
using testing::synthetic_gains;
using testing::synthetic_results;

std::string report_text() {
  const std::vector<OutputFile> files = render_report(synthetic_results(), synthetic_gains());
  return files.front().content;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Runs a shell command and returns its standard output (and exit status).
std::string run(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  *status = ::pclose(pipe);
  return out;
}

fs::path temp_dir(const std::string& name) {
  fs::path dir =
      fs::temp_directory_path() / ("initcheck_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = text.find(needle); pos != std::string::npos;
       pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

// Golden file: pins the Markdown layout on synthetic results. After an intended layout change,
// regenerate with  INITCHECK_UPDATE_GOLDEN=1 ./test_report --gtest_filter='MarkdownReport.*Golden*'
// and review the diff of tests/report/golden/synthetic_report.md.
TEST(MarkdownReport, MatchesGoldenFile) {
  const fs::path golden = fs::path(INITCHECK_GOLDEN_DIR) / "synthetic_report.md";
  const std::string text = report_text();
  if (std::getenv("INITCHECK_UPDATE_GOLDEN") != nullptr) {
    std::ofstream(golden, std::ios::binary) << text;
    GTEST_SKIP() << "rewrote " << golden;
  }
  ASSERT_TRUE(fs::exists(golden)) << golden << " is missing; run with INITCHECK_UPDATE_GOLDEN=1";
  const std::string expected = read_file(golden);
  if (text == expected) return;
  // Report the first differing line rather than two whole reports.
  std::istringstream a(text);
  std::istringstream b(expected);
  std::string la;
  std::string lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) break;
    if (la != lb || more_a != more_b) {
      ADD_FAILURE() << "report layout changed (see the comment above this test); first difference "
                       "at line "
                    << line << ":\n  golden: " << lb << "\n  now:    " << la;
      return;
    }
  }
  ADD_FAILURE() << "report differs from the golden file only in its final newline";
}

TEST(MarkdownReport, IsDeterministicAndStartsWithTheMarker) {
  const std::string a = report_text();
  EXPECT_EQ(a, report_text());
  EXPECT_EQ(a.rfind(std::string(kGeneratedMarker) + "\n", 0), 0U);
}

TEST(MarkdownReport, SortsViolationsBySeverityWithReproduceCommands) {
  const std::string text = report_text();
  const std::size_t table = text.find("### Violations, most severe first");
  ASSERT_NE(table, std::string::npos);
  // Severities: cell 2 variance 11 > cell 2 precision 2.6 > cell 1 variance 0.6 > cell 0 drift 0.3.
  const std::size_t r1 = text.find("| 1 | [variance](#claim-variance) | `normal(std=0.01)`", table);
  const std::size_t r2 =
      text.find("| 2 | [precision](#claim-precision) | `normal(std=0.01)`", table);
  const std::size_t r3 = text.find("| 3 | [variance](#claim-variance) | `xavier_normal`", table);
  const std::size_t r4 = text.find("| 4 | [drift](#claim-drift) | `kaiming_normal`", table);
  ASSERT_NE(r1, std::string::npos);
  EXPECT_LT(r1, r2);
  EXPECT_LT(r2, r3);
  EXPECT_LT(r3, r4);
  EXPECT_NE(text.find("`initcheck check --init 'normal(std=0.01)' --activation tanh --depth 4 "
                      "--width 64 --precision fp16 --claims variance,drift,precision --seed 1002`",
                      table),
            std::string::npos);
}

TEST(MarkdownReport, EscapesTableTextAndShowsNonFiniteValues) {
  const std::string text = report_text();
  // The error message's '|' and '*' are escaped; inf and a missing prediction are readable.
  EXPECT_NE(text.find("unknown init scheme 'bogus\\|scheme'; expected one of: kaiming\\_normal, "
                      "\\*xavier\\*"),
            std::string::npos);
  EXPECT_NE(text.find("[0.005, inf]"), std::string::npos);
  EXPECT_NE(text.find("| ≤ 0.001 |"), std::string::npos);
  EXPECT_EQ(text.find("| nan |"), std::string::npos);
  EXPECT_EQ(text.find("[nan"), std::string::npos);
}

/// Every line of a pipe table has as many unescaped '|' as its header line (GFM would
/// otherwise silently drop or pad cells).
TEST(MarkdownReport, TableRowsHaveTheHeadersCellCount) {
  std::istringstream in(report_text());
  std::string line;
  std::size_t header_pipes = 0;
  std::size_t tables = 0;
  bool in_table = false;
  auto pipes = [](const std::string& l) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < l.size(); ++i) {
      if (l[i] == '\\') {
        ++i;
      } else if (l[i] == '|') {
        ++n;
      }
    }
    return n;
  };
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '|') {
      in_table = false;
      continue;
    }
    if (!in_table) {
      in_table = true;
      header_pipes = pipes(line);
      ++tables;
      continue;
    }
    EXPECT_EQ(pipes(line), header_pipes) << line;
  }
  // summary, violations, 10 claim sections (3 with rows), gains, invalid configurations
  EXPECT_EQ(tables, 2U + 4U + 1U + 1U);
}

/// Renders with GitHub's Markdown implementation (cmark-gfm, table extension) and checks that
/// every table, image and heading comes out as such.
TEST(MarkdownReport, RendersWithCmarkGfm) {
  const fs::path dir = temp_dir("cmark");
  const std::vector<OutputFile> files = render_report(synthetic_results(), synthetic_gains());
  write_report(dir, files, false);
  int status = -1;
  const std::string html = run(
      "cmark-gfm --unsafe --extension table --to html '" + (dir / kReportFileName).string() + "'",
      &status);
  ASSERT_EQ(status, 0) << "cmark-gfm failed or is missing (scripts/setup.sh installs it)";
  EXPECT_EQ(count(html, "<table>"), 8U);
  EXPECT_EQ(count(html, "<!-- generated by initcheck report; do not edit -->"), 1U);
  // Each plot is an <img> whose file exists next to the report.
  const std::regex img(R"re(<img src="([^"]+)" alt="[^"]+" />)re");
  std::size_t images = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), img); it != std::sregex_iterator();
       ++it) {
    ++images;
    EXPECT_TRUE(fs::exists(dir / (*it)[1].str())) << (*it)[1].str();
  }
  EXPECT_EQ(images, files.size() - 2);
  EXPECT_EQ(images, 4U);  // forward, gradient, precision and drift data are all present
  // The escaped pipe stays inside its cell; code spans in tables keep their pipe too.
  EXPECT_NE(html.find("<td>unknown init scheme 'bogus|scheme'; expected one of: kaiming_normal, "
                      "*xavier*</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<code>bogus|scheme</code>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Claim: bn-input</h2>"), std::string::npos);
  EXPECT_EQ(html.find("<em>"), std::string::npos) << "stray emphasis: some text was not escaped";
  fs::remove_all(dir);
}

TEST(MarkdownReport, PlotsAreWellFormedSvgWithTheMarker) {
  const fs::path dir = temp_dir("svg");
  const std::vector<OutputFile> files = render_report(synthetic_results(), synthetic_gains());
  write_report(dir, files, false);
  for (const OutputFile& f : files) {
    if (f.name.ends_with(".svg")) {
      EXPECT_NE(f.content.find(kGeneratedMarker), std::string::npos) << f.name;
      const std::string command = "xmllint --noout '" + (dir / f.name).string() + "'";
      EXPECT_EQ(std::system(command.c_str()), 0) << "xmllint rejected " << f.name;
    }
  }
  fs::remove_all(dir);
}

TEST(MarkdownReport, PlotFamiliesAreNamedInTitles) {
  const std::vector<NamedFigure> plots = build_plots(synthetic_results());
  ASSERT_EQ(plots.size(), 4U);
  // Cells 0 and 1 (depth 4, width 64, fp32) form the forward family; cell 4 (depth 8) does not.
  EXPECT_EQ(plots[0].file, "forward-std.svg");
  EXPECT_EQ(plots[0].figure.subtitle,
            "Cells: mlp, depth 4, width 64, batch 128, fp32, no normalization, N(0,1) input");
  ASSERT_EQ(plots[0].figure.panels.size(), 1U);            // one activation (relu)
  EXPECT_EQ(plots[0].figure.panels[0].series.size(), 2U);  // kaiming_normal, xavier_normal
  EXPECT_EQ(plots[2].file, "precision-events.svg");
  EXPECT_NE(plots[2].figure.title.find("fp16"), std::string::npos);
  EXPECT_EQ(plots[2].figure.panels.size(), 2U);  // nothing overflowed: that panel is left out
  EXPECT_NE(plots[2].caption.find("No value was rounded to ±inf"), std::string::npos);
  EXPECT_EQ(plots[3].file, "drift-band.svg");
  EXPECT_EQ(plots[3].figure.panels.at(0).bands.size(), 1U);
  EXPECT_EQ(plots[3].figure.panels.at(0).series.size(), 2U);  // predicted 5 % and 95 %
}

TEST(MarkdownReport, DescribesConfigurations) {
  claims::CheckRequest r;
  r.activation = "tanh";
  r.depth = 50;
  r.width = 256;
  EXPECT_EQ(describe_configuration(r), "tanh, mlp 50×256");
  r.arch = "resnet";
  r.branch_scale = "1/sqrt(depth)";
  r.norm = "batchnorm";
  r.precision = "bf16";
  r.batch = 64;
  EXPECT_EQ(describe_configuration(r),
            "tanh, resnet 50 blocks × 256, branch scale 1/sqrt(depth), batchnorm, bf16, batch 64");
  r = {};
  r.widths = {8, 4, 2};
  EXPECT_EQ(describe_configuration(r), "relu, mlp widths 8→4→2");
}

// Every claim section quotes the claim registry (claims/claim_registry.hpp), the texts README's
// claim table repeats (tests/claims/claim_registry_test.cpp): no claim text lives in the report.
TEST(MarkdownReport, ClaimSectionsQuoteTheRegistry) {
  const std::string text = report_text();
  for (const claims::ClaimDescriptor* claim : claims::claim_registry()) {
    const std::string section = "## Claim: " + std::string(claim->name) + "\n\n> \"" +
                                escape_markdown(claim->quote) + "\"\n\n**Measured:** " +
                                escape_markdown(claim->measure) + ".\n\n**Method:** " +
                                escape_markdown(claims::claim_method(claim->id)) + "\n";
    EXPECT_EQ(count(text, section), 1U) << section;
  }
}

}  // namespace
}  // namespace initcheck::report
