#pragma once
/// Minimal, deterministic SVG line plots: panels in a grid, optional log-scale y axis, shaded
/// bands, reference lines and one shared legend (a label keeps its colour across panels).

#include <ostream>
#include <string>
#include <vector>

namespace initcheck::report {

/// One line. Non-finite or (on a log axis) non-positive points break the line.
struct Series {
  std::string label;
  std::vector<double> x;
  std::vector<double> y;
  bool dashed = false;
};

/// A shaded region between two curves (e.g. a predicted band).
struct Band {
  std::string label;
  std::vector<double> x;
  std::vector<double> lower;
  std::vector<double> upper;
};

struct Panel {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_y = true;
  std::vector<Series> series;
  std::vector<Band> bands;
  std::vector<double> reference_lines;  ///< horizontal dashed grey lines (e.g. tolerance)
};

struct Figure {
  std::string title;
  std::vector<Panel> panels;
  int columns = 3;
  std::string comment;   ///< written as an XML comment after the declaration when non-empty
  std::string subtitle;  ///< optional second title line (smaller), e.g. which cells are drawn
};

/// Writes `figure` as a standalone SVG document.
void write_svg(std::ostream& out, const Figure& figure);

/// Escapes &, <, >, " for XML text and attributes.
std::string xml_escape(const std::string& text);

}  // namespace initcheck::report
