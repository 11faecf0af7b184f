#include "initcheck/report/markdown_report.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
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
  // verdict matrix, claims checked, violations, the 4 claim sections the cells selected (all
  // with rows), gains, invalid configurations
  EXPECT_EQ(tables, 3U + 4U + 1U + 1U);
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
  EXPECT_EQ(count(html, "<table>"), 9U);
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
  EXPECT_NE(html.find("<h2>Claim: batchnorm</h2>"), std::string::npos);
  EXPECT_EQ(html.find("<h2>Claim: bn-input</h2>"), std::string::npos);  // no cell selected it
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
            "Cells: mlp, width 64, depth 4, batch 128, fp32, no normalization, N(0,1) input");
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

TEST(MarkdownReport, FirstScreenIsAnswerTopFindingsMatrixThenCausesThenDetails) {
  const std::string text = report_text();
  const std::size_t answer = text.find("**Answer.** Of the 6 configurations in `tiny.yaml`");
  const std::size_t top = text.find("**Top findings** (most severe first):");
  const std::size_t matrix = text.find("## Verdicts by scheme and configuration");
  // The top findings name the real causes before the matrix; the trivial fixed-scale group
  // waits for the full list.
  ASSERT_NE(top, std::string::npos);
  EXPECT_LT(answer, top);
  EXPECT_LT(top, matrix);
  const std::string top_text = text.substr(top, matrix - top);
  EXPECT_NE(top_text.find("- **variance** · `xavier_normal`"), std::string::npos) << top_text;
  EXPECT_NE(top_text.find("- **drift** · `kaiming_normal`"), std::string::npos) << top_text;
  EXPECT_EQ(top_text.find("Fixed-scale"), std::string::npos) << top_text;
  const std::size_t causes = text.find("## Findings by cause");
  const std::size_t plots = text.find("## Signal propagation");
  const std::size_t details = text.find("## Details");
  const std::size_t violations = text.find("### Violations, most severe first");
  ASSERT_NE(answer, std::string::npos);
  EXPECT_LT(answer, matrix);
  EXPECT_LT(matrix, causes);
  EXPECT_LT(causes, plots);
  EXPECT_LT(plots, details);
  EXPECT_LT(details, violations);
  // The answer comes right after the title, before any methodology text.
  EXPECT_EQ(text.find("Every verdict compares") > details, true);
  EXPECT_LT(answer, text.find('\n', text.find("# initcheck stability report")) + 3);
  // The fixed-scale normal(std=0.01) cell is collapsed into one line, after the real causes.
  const std::size_t fixed = text.find("- **Fixed-scale inits** `normal(std=0.01)`: 2 violations");
  ASSERT_NE(fixed, std::string::npos);
  EXPECT_LT(text.find("- **variance** · `xavier_normal` · mlp: 1 configuration (relu)"), fixed);
}

TEST(MarkdownReport, SummaryCountsOnlyClaimsThatWereChecked) {
  const std::string text = report_text();
  // 9 (claim, cell) verdicts of selected, applicable claims: the answer counts those only.
  EXPECT_NE(text.find("(9 claim verdicts: 3 hold, 4 violated, 2 inconclusive)"), std::string::npos);
  const std::size_t table = text.find("### Claims checked");
  const std::size_t end = text.find("### Violations, most severe first");
  ASSERT_NE(table, std::string::npos);
  const std::string counts = text.substr(table, end - table);
  EXPECT_NE(counts.find("| [variance](#claim-variance) | 4 | 2 | 2 | 0 | 0 |"), std::string::npos)
      << counts;
  EXPECT_EQ(counts.find("[mean]"), std::string::npos);  // no cell selected it
  EXPECT_NE(counts.find("Not checked in this sweep: growth, mean, dominance, bn-input, "
                        "batch-stats, gradient, correlation."),
            std::string::npos)
      << counts;
  EXPECT_EQ(text.find("## Claim: mean"), std::string::npos);
}

TEST(MarkdownReport, EveryArchitectureFamilyAndWidthSweepGetsAPlot) {
  using testing::cell;
  using testing::geometric;
  sweep::SweepResults r;
  r.info = {"families.yaml", 1, 0, "0"};
  std::size_t index = 0;
  const auto add = [&](sweep::CellResult c) {
    c.index = index++;
    c.result.overall = stats::Verdict::holds;
    c.result.curves.forward_std = geometric(1.0, c.request.depth);
    r.cells.push_back(std::move(c));
  };
  for (std::int64_t width : {16, 64, 256}) add(cell(0, "kaiming_normal", "relu", 4, width));
  add(cell(0, "kaiming_normal", "relu", 2, 64));  // a shallower cell of the same scheme
  sweep::CellResult conv = cell(0, "kaiming_normal", "relu", 3, 8);
  conv.request.arch = "conv";
  add(conv);
  sweep::CellResult resnet = cell(0, "kaiming_normal", "relu", 3, 8);
  resnet.request.arch = "resnet";
  resnet.request.branch_scale = "1/sqrt(depth)";
  add(resnet);
  sweep::CellResult transformer = cell(0, "kaiming_normal", "gelu", 3, 8);
  transformer.request.arch = "transformer";
  transformer.request.norm = "layernorm";
  transformer.request.norm_placement = "pre";
  add(transformer);
  sweep::CellResult no_skip = transformer;  // --residual no: a line of its own label
  no_skip.request.residual = "no";
  add(no_skip);
  r.info.cells = r.cells.size();

  const std::vector<NamedFigure> plots = build_plots(r);
  std::vector<std::string> files;
  for (const NamedFigure& p : plots) files.push_back(p.file);
  EXPECT_EQ(files, (std::vector<std::string>{"forward-std.svg", "forward-std-conv.svg",
                                             "forward-std-resnet.svg",
                                             "forward-std-transformer.svg", "width-sweep.svg"}));
  // mlp: the width-64 family holds depths 2 and 4; depth 2 is the thin line of the same label.
  const Panel& relu = plots[0].figure.panels.at(0);
  ASSERT_EQ(relu.series.size(), 2U);
  EXPECT_EQ(relu.series[0].label, relu.series[1].label);
  EXPECT_FALSE(relu.series[0].faint);  // depth 4, first in the sweep
  EXPECT_TRUE(relu.series[1].faint);
  EXPECT_NE(plots[0].caption.find("depths 2, 4"), std::string::npos) << plots[0].caption;
  EXPECT_EQ(plots[2].figure.panels.at(0).series.at(0).label,
            "kaiming_normal, branch scale 1/sqrt(depth)");
  // Transformer: the LayerNorm placement is part of the label; x counts blocks.
  EXPECT_EQ(plots[3].figure.panels.at(0).series.at(0).label,
            "kaiming_normal, pre-LN, branch scale 1");
  EXPECT_EQ(plots[3].figure.panels.at(0).series.at(1).label,
            "kaiming_normal, pre-LN, branch scale 1, no residual");
  EXPECT_EQ(plots[3].figure.panels.at(0).x_label, "block (0 = network input)");
  // Width sweep: one panel (kaiming_normal · relu, depth 4) over widths 16, 64, 256.
  const Figure& widths = plots[4].figure;
  ASSERT_EQ(widths.panels.size(), 1U);
  EXPECT_TRUE(widths.panels[0].log_x);
  EXPECT_EQ(widths.panels[0].series.at(0).x, (std::vector<double>{16, 64, 256}));
  for (const std::string& name : plot_file_names()) {
    if (std::find(files.begin(), files.end(), name) != files.end()) continue;
    EXPECT_TRUE(name == "gradient-std.svg" || name == "precision-events.svg" ||
                name == "drift-band.svg")
        << name;
  }
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
            "tanh, resnet 50 blocks × 256, branch scale 1/sqrt(depth), batchnorm in the branch "
            "(after every linear layer), bf16, batch 64");
  r.norm = "layernorm";
  r.norm_placement = "pre";
  EXPECT_EQ(describe_configuration(r),
            "tanh, resnet 50 blocks × 256, branch scale 1/sqrt(depth), layernorm pre (on the "
            "branch input), bf16, batch 64");
  r.norm = "rmsnorm";
  r.norm_placement = "post";
  EXPECT_EQ(describe_configuration(r),
            "tanh, resnet 50 blocks × 256, branch scale 1/sqrt(depth), rmsnorm post (after the "
            "residual sum), bf16, batch 64");
  r = {};
  r.widths = {8, 4, 2};
  EXPECT_EQ(describe_configuration(r), "relu, mlp widths 8→4→2");
}

// Every claim section quotes the claim registry (claims/claim_registry.hpp), the texts README's
// claim table repeats (tests/claims/claim_registry_test.cpp): no claim text lives in the report.
// Only the claims some cell selected get a section (the synthetic cells select these four).
TEST(MarkdownReport, ClaimSectionsQuoteTheRegistry) {
  const std::string text = report_text();
  const std::set<std::string> selected = {"variance", "drift", "precision", "batchnorm"};
  for (const claims::ClaimDescriptor* claim : claims::claim_registry()) {
    const std::string section = "## Claim: " + std::string(claim->name) + "\n\n> \"" +
                                escape_markdown(claim->quote) + "\"\n\n**Measured:** " +
                                escape_markdown(claim->measure) + ".\n\n**Method:** " +
                                escape_markdown(claims::claim_method(claim->id)) + "\n";
    EXPECT_EQ(count(text, section), selected.contains(std::string(claim->name)) ? 1U : 0U)
        << section;
  }
}

}  // namespace
}  // namespace initcheck::report
