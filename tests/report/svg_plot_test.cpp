#include "initcheck/report/svg_plot.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>

namespace initcheck::report {
namespace {

Figure sample_figure() {
  Figure fig;
  fig.title = "std per layer <relu & tanh>";
  Panel relu;
  relu.title = "relu";
  relu.x_label = "layer";
  relu.y_label = "std";
  relu.series.push_back({"kaiming_normal", {0, 1, 2, 3}, {1, 1.01, 0.99, 1.0}, false});
  relu.series.push_back({"xavier_normal", {0, 1, 2, 3}, {1, 0.7, 0.5, 0.35}, false});
  relu.bands.push_back({"prediction", {0, 1, 2, 3}, {0.9, 0.8, 0.7, 0.6}, {1.1, 1.2, 1.3, 1.4}});
  relu.reference_lines = {0.5, 2.0};
  Panel tanh_panel;
  tanh_panel.title = "tanh";
  tanh_panel.x_label = "layer";
  tanh_panel.y_label = "std";
  const double inf = std::numeric_limits<double>::infinity();
  tanh_panel.series.push_back({"kaiming_normal", {0, 1, 2, 3}, {1, inf, 0.0, 1e-30}, true});
  Panel empty;
  empty.title = "no data";
  fig.panels = {relu, tanh_panel, empty};
  return fig;
}

TEST(SvgPlot, IsDeterministic) {
  std::ostringstream a;
  std::ostringstream b;
  write_svg(a, sample_figure());
  write_svg(b, sample_figure());
  EXPECT_EQ(a.str(), b.str());
}

TEST(SvgPlot, HasLabelsLegendAndEscapesText) {
  std::ostringstream out;
  write_svg(out, sample_figure());
  const std::string svg = out.str();
  EXPECT_NE(svg.find("std per layer &lt;relu &amp; tanh&gt;"), std::string::npos);
  EXPECT_NE(svg.find("std (log scale)"), std::string::npos);
  EXPECT_NE(svg.find(">kaiming_normal</text>"), std::string::npos);
  EXPECT_NE(svg.find(">xavier_normal</text>"), std::string::npos);
  EXPECT_NE(svg.find("no finite data"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(SvgPlot, IsWellFormedXml) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("initcheck_svg_plot_test_" + std::to_string(::getpid()) + ".svg");
  {
    std::ofstream file(path);
    write_svg(file, sample_figure());
  }
  const std::string command = "xmllint --noout '" + path.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << "xmllint rejected " << path;
  std::filesystem::remove(path);
}

/// The x coordinates of the legend texts (the <text font-size="12"> elements after the panels),
/// with the text.
std::vector<std::pair<double, std::string>> legend_texts(const std::string& svg, double top) {
  std::vector<std::pair<double, std::string>> out;
  const std::regex text(R"re(<text x="([0-9.]+)" y="([0-9.]+)" font-size="12">([^<]*)</text>)re");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), text); it != std::sregex_iterator();
       ++it) {
    if (std::stod((*it)[2].str()) > top) out.emplace_back(std::stod((*it)[1].str()), (*it)[3]);
  }
  return out;
}

TEST(SvgPlot, LongLegendLabelsDoNotOverlap) {
  Figure fig;
  fig.title = "user sweep";
  Panel p;
  const std::vector<std::string> labels = {"normal(std=exact_gain/sqrt(fan_in)) · leaky_relu(0.2)",
                                           "kaiming_normal(mode=fan_out) · gelu",
                                           "xavier_uniform(gain=1.5) · tanh", "orthogonal · selu"};
  for (const std::string& label : labels) p.series.push_back({label, {0, 1}, {1, 2}, false});
  fig.panels = {p, p};
  std::ostringstream out;
  write_svg(out, fig);
  const auto entries = legend_texts(out.str(), 34 + 270);  // below the single row of panels
  ASSERT_EQ(entries.size(), labels.size());
  // Entries of one row are at least as far apart as the previous label is wide (≥ 6 px per
  // character: the 12 px sans-serif average is about 6.7 px).
  for (std::size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].first <= entries[i - 1].first) continue;  // wrapped to a new row
    EXPECT_GE(entries[i].first - entries[i - 1].first,
              6.0 * static_cast<double>(entries[i - 1].second.size()))
        << entries[i - 1].second;
  }
}

TEST(SvgPlot, LegendGlyphShowsBandsAsBandsAndNamesTheReferenceLines) {
  Figure fig = sample_figure();
  fig.reference_label = "tolerance 1/K, K";
  std::ostringstream out;
  write_svg(out, fig);
  const std::string svg = out.str();
  // The band's legend glyph is a filled rectangle, not a line.
  EXPECT_NE(svg.find("height=\"12\" fill=\"#4e79a7\" fill-opacity=\"0.25\"/>"), std::string::npos);
  EXPECT_NE(svg.find(">tolerance 1/K, K</text>"), std::string::npos);
  // Reference lines are drawn after (above) the series.
  EXPECT_GT(svg.rfind("stroke-dasharray=\"5,3\""), svg.find("<path d="));
}

TEST(SvgPlot, OffScaleSeriesAreMarkedAtTheEdge) {
  Figure fig;
  fig.title = "std";
  Panel p;
  p.series.push_back({"kaiming_normal", {0, 1, 2, 3}, {1, 1, 1, 1}, false});
  p.series.push_back({"normal(std=1)", {0, 1, 2, 3}, {1, 1e10, 1e20, 1e30}, false});
  p.reference_lines = {0.5, 2.0};
  p.clip_decades = 1.5;
  fig.panels = {p};
  std::ostringstream out;
  write_svg(out, fig);
  const std::string svg = out.str();
  EXPECT_NE(svg.find(">leaves the plotted range (above/below)</text>"), std::string::npos);
  EXPECT_EQ(svg.find(">1e30<"), std::string::npos);  // the axis stops at the clip
  EXPECT_NE(svg.find(">10<"), std::string::npos);
}

}  // namespace
}  // namespace initcheck::report
