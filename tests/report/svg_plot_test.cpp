#include "initcheck/report/svg_plot.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
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
  const auto path = std::filesystem::temp_directory_path() / "initcheck_svg_plot_test.svg";
  {
    std::ofstream file(path);
    write_svg(file, sample_figure());
  }
  const std::string command = "xmllint --noout '" + path.string() + "'";
  EXPECT_EQ(std::system(command.c_str()), 0) << "xmllint rejected " << path;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace initcheck::report
