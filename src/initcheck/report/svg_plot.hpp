#pragma once
/// Minimal, deterministic SVG line plots: panels in a grid, log or linear axes, shaded bands,
/// reference lines, series clipped to a robust y-range (marked ▲/▼ where they leave it) and one
/// shared legend below the panels (a label keeps its colour across panels; the glyph shows how
/// it is drawn: line, dashed line or band).

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
  bool faint = false;  ///< drawn thin and light (e.g. a shallower cell of the same scheme)
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
  bool log_x = false;
  std::vector<Series> series;
  std::vector<Band> bands;
  std::vector<double> reference_lines;  ///< horizontal dashed grey lines (e.g. tolerance)
  /// > 0 (log y): the y-range reaches at most this many decades beyond the reference lines (see
  /// y_axis_range in plot_axes.hpp); series leaving it are drawn to the edge and marked ▲/▼.
  double clip_decades = 0;
};

struct Figure {
  std::string title;
  std::vector<Panel> panels;
  int columns = 3;
  std::string comment;   ///< written as an XML comment after the declaration when non-empty
  std::string subtitle;  ///< optional second title line (smaller), e.g. which cells are drawn
  std::string reference_label;  ///< legend text of the reference lines (none when empty)
  std::string faint_label;      ///< legend text of the faint series (none when empty)
};

/// Writes `figure` as a standalone SVG document.
void write_svg(std::ostream& out, const Figure& figure);

/// Escapes &, <, >, " for XML text and attributes.
std::string xml_escape(const std::string& text);

}  // namespace initcheck::report
