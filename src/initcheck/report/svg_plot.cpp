#include "initcheck/report/svg_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <string_view>

#include "initcheck/core/number_format.hpp"
#include "initcheck/report/plot_axes.hpp"

namespace initcheck::report {
namespace {

constexpr double kPanelWidth = 380;
constexpr double kPanelHeight = 270;
constexpr double kMarginLeft = 72;
constexpr double kMarginRight = 16;
constexpr double kMarginTop = 30;
constexpr double kMarginBottom = 46;
constexpr double kTitleHeight = 34;
constexpr double kSubtitleRow = 18;
constexpr double kLegendRow = 20;
constexpr double kLegendGlyph = 24;      // glyph width; the label starts 6 px after it
constexpr double kLegendGap = 18;        // between one entry's label and the next glyph
constexpr double kLegendGlyphWidth = 7;  // estimated width of one 12 px legend character

// Tableau 10: distinguishable and colour-blind friendly enough for ≤ 10 lines.
constexpr std::array<std::string_view, 10> kPalette = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                                       "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                                       "#9c755f", "#bab0ac"};

using std::string;

/// Approximate rendered width of UTF-8 `text`: code points × average glyph width.
double text_width(const std::string& text, double glyph_width) {
  double n = 0;
  for (unsigned char c : text) n += (c & 0xC0U) != 0x80U ? 1.0 : 0.0;
  return n * glyph_width;
}

bool plottable(double v, bool log) {
  return std::isfinite(v) && (!log || v > 0);
}

double transform(double v, bool log) {
  return log ? std::log10(v) : v;
}

/// A tick's text: 10^e on a log axis (whole numbers as such: widths 16, 1024), else the value.
string tick_label(double t, bool log) {
  const double v = log ? std::pow(10.0, t) : t;
  if (log && std::abs(t - std::round(t)) < 1e-9) {
    const int e = static_cast<int>(std::lround(t));
    if (e >= 0 && e <= 4) return std::to_string(static_cast<long long>(std::llround(v)));
    return "1e" + std::to_string(e);
  }
  if (std::abs(v) < 1e6 && std::abs(v - std::round(v)) < 1e-9 * std::max(1.0, std::abs(v))) {
    return std::to_string(static_cast<long long>(std::llround(v)));
  }
  return format_number(v);
}

/// Triangle marking where a series leaves the y-range (pointing up at the top edge).
string edge_marker(double x, double y, bool top, const string& color) {
  const double tip = top ? y - 7 : y + 7;
  const double base = top ? y + 1 : y - 1;
  return "<polygon points=\"" + format_coordinate(x) + "," + format_coordinate(tip) + " " +
         format_coordinate(x - 5) + "," + format_coordinate(base) + " " + format_coordinate(x + 5) +
         "," + format_coordinate(base) + "\" fill=\"" + color + "\"/>\n";
}

class PanelWriter {
 public:
  PanelWriter(std::ostream& out, const Panel& panel, double x0, double y0,
              const std::map<string, string>& colors)
      : out_(out),
        panel_(panel),
        x0_(x0),
        y0_(y0),
        colors_(colors),
        xr_(x_axis_range(panel)),
        yr_(y_axis_range(panel)) {}

  void write() {
    const double left = x0_ + kMarginLeft;
    const double top = y0_ + kMarginTop;
    out_ << "<g>\n<text x=\"" << format_coordinate(x0_ + kPanelWidth / 2) << "\" y=\""
         << format_coordinate(y0_ + 18) << "\" text-anchor=\"middle\" font-weight=\"bold\">"
         << xml_escape(panel_.title) << "</text>\n";
    out_ << "<rect x=\"" << format_coordinate(left) << "\" y=\"" << format_coordinate(top)
         << "\" width=\"" << format_coordinate(plot_width()) << "\" height=\""
         << format_coordinate(plot_height()) << "\" fill=\"white\" stroke=\"#333\"/>\n";
    if (!xr_.valid || !yr_.valid) {
      out_ << "<text x=\"" << format_coordinate(left + plot_width() / 2) << "\" y=\""
           << format_coordinate(top + plot_height() / 2)
           << "\" text-anchor=\"middle\" fill=\"#777\">no finite data</text>\n</g>\n";
      return;
    }
    write_axes();
    for (const Band& band : panel_.bands) write_band(band);
    for (const Series& s : panel_.series) {
      if (s.faint) write_series(s);
    }
    for (const Series& s : panel_.series) {
      if (!s.faint) write_series(s);
    }
    // On top of the data, so a series lying on a tolerance line does not hide it.
    for (double ref : panel_.reference_lines) write_reference(ref);
    out_ << "</g>\n";
  }

 private:
  [[nodiscard]] static double plot_width() { return kPanelWidth - kMarginLeft - kMarginRight; }
  [[nodiscard]] static double plot_height() { return kPanelHeight - kMarginTop - kMarginBottom; }
  /// Pixel coordinates of axis units.
  [[nodiscard]] double px(double tx) const {
    return x0_ + kMarginLeft + (tx - xr_.lo) / (xr_.hi - xr_.lo) * plot_width();
  }
  [[nodiscard]] double py(double ty) const {
    return y0_ + kMarginTop + plot_height() - (ty - yr_.lo) / (yr_.hi - yr_.lo) * plot_height();
  }

  void write_axes() {
    const double bottom = y0_ + kMarginTop + plot_height();
    const double left = x0_ + kMarginLeft;
    for (double t : x_axis_ticks(panel_, xr_)) {
      out_ << "<line x1=\"" << format_coordinate(px(t)) << "\" y1=\"" << format_coordinate(bottom)
           << "\" x2=\"" << format_coordinate(px(t)) << "\" y2=\"" << format_coordinate(bottom + 5)
           << "\" stroke=\"#333\"/>\n<text x=\"" << format_coordinate(px(t)) << "\" y=\""
           << format_coordinate(bottom + 18) << "\" text-anchor=\"middle\" font-size=\"11\">"
           << tick_label(t, panel_.log_x) << "</text>\n";
    }
    for (double t : axis_ticks(yr_, panel_.log_y, false)) {
      out_ << "<line x1=\"" << format_coordinate(left) << "\" y1=\"" << format_coordinate(py(t))
           << "\" x2=\"" << format_coordinate(left + plot_width()) << "\" y2=\""
           << format_coordinate(py(t)) << "\" stroke=\"#e5e5e5\"/>\n<text x=\""
           << format_coordinate(left - 6) << "\" y=\"" << format_coordinate(py(t) + 4)
           << "\" text-anchor=\"end\" font-size=\"11\">" << tick_label(t, panel_.log_y)
           << "</text>\n";
    }
    out_ << "<text x=\"" << format_coordinate(left + plot_width() / 2) << "\" y=\""
         << format_coordinate(bottom + 36) << "\" text-anchor=\"middle\" font-size=\"12\">"
         << xml_escape(panel_.x_label + (panel_.log_x ? " (log scale)" : "")) << "</text>\n";
    const double cy = y0_ + kMarginTop + plot_height() / 2;
    const double cx = x0_ + 16;
    out_ << "<text x=\"" << format_coordinate(cx) << "\" y=\"" << format_coordinate(cy)
         << "\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 "
         << format_coordinate(cx) << ' ' << format_coordinate(cy) << ")\">"
         << xml_escape(panel_.y_label + (panel_.log_y ? " (log scale)" : "")) << "</text>\n";
  }

  void write_reference(double ref) {
    if (!plottable(ref, panel_.log_y)) return;
    const double y = py(transform(ref, panel_.log_y));
    out_ << "<line x1=\"" << format_coordinate(px(xr_.lo)) << "\" y1=\"" << format_coordinate(y)
         << "\" x2=\"" << format_coordinate(px(xr_.hi)) << "\" y2=\"" << format_coordinate(y)
         << "\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"5,3\"/>\n";
  }

  void write_band(const Band& band) {
    const bool log = panel_.log_y;
    string upper;
    string lower;
    for (std::size_t i = 0; i < band.x.size() && i < band.lower.size() && i < band.upper.size();
         ++i) {
      if (!plottable(band.x[i], panel_.log_x) || !plottable(band.lower[i], log) ||
          !plottable(band.upper[i], log)) {
        continue;
      }
      const string x = format_coordinate(px(transform(band.x[i], panel_.log_x)));
      upper += x + "," + format_coordinate(py(clamp_y(transform(band.upper[i], log)))) + " ";
      lower.insert(0,
                   x + "," + format_coordinate(py(clamp_y(transform(band.lower[i], log)))) + " ");
    }
    if (upper.empty()) return;
    out_ << "<polygon points=\"" << upper << lower << "\" fill=\"" << colors_.at(band.label)
         << "\" fill-opacity=\"0.25\" stroke=\"none\"/>\n";
  }

  [[nodiscard]] double clamp_y(double ty) const { return std::clamp(ty, yr_.lo, yr_.hi); }

  /// Draws the parts of `s` inside the y-range; where it leaves the range (or starts outside
  /// it) a triangle in its colour marks the edge.
  void write_series(const Series& s) {
    const string& color = colors_.at(s.label);
    string path;
    string markers;
    bool pen_down = false;
    bool have_prev = false;
    double prev_x = 0;
    double prev_y = 0;
    const auto point = [&](double tx, double ty) {
      // Appended piecewise: `"L" + std::string&&` trips GCC 12's -Wrestrict false positive.
      path += pen_down ? 'L' : 'M';
      path += format_coordinate(px(tx));
      path += ' ';
      path += format_coordinate(py(ty));
      path += ' ';
      pen_down = true;
    };
    const auto inside = [&](double ty) { return ty >= yr_.lo && ty <= yr_.hi; };
    const auto edge_crossing = [&](double xa, double ya, double xb, double yb, double edge) {
      return xa + (xb - xa) * (edge - ya) / (yb - ya);
    };
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!plottable(s.x[i], panel_.log_x) || !plottable(s.y[i], panel_.log_y)) {
        pen_down = false;
        have_prev = false;
        continue;
      }
      const double tx = transform(s.x[i], panel_.log_x);
      const double ty = transform(s.y[i], panel_.log_y);
      if (!have_prev) {
        if (inside(ty)) {
          point(tx, ty);
        } else {
          markers += edge_marker(px(tx), py(clamp_y(ty)), ty > yr_.hi, color);
        }
      } else if (inside(prev_y) && inside(ty)) {
        point(tx, ty);
      } else if (inside(prev_y)) {  // leaves the range: draw to the edge, mark it
        const double edge = ty > yr_.hi ? yr_.hi : yr_.lo;
        const double ex = edge_crossing(prev_x, prev_y, tx, ty, edge);
        point(ex, edge);
        markers += edge_marker(px(ex), py(edge), ty > yr_.hi, color);
        pen_down = false;
      } else if (inside(ty)) {  // comes back from off the scale
        const double edge = prev_y > yr_.hi ? yr_.hi : yr_.lo;
        pen_down = false;
        point(edge_crossing(prev_x, prev_y, tx, ty, edge), edge);
        point(tx, ty);
      }
      have_prev = true;
      prev_x = tx;
      prev_y = ty;
    }
    if (!path.empty()) {
      out_ << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << color << "\" stroke-width=\""
           << (s.faint ? "1" : "1.8") << "\"" << (s.faint ? " stroke-opacity=\"0.45\"" : "")
           << (s.dashed ? " stroke-dasharray=\"6,4\"" : "") << ">"
           << "<title>" << xml_escape(s.label) << "</title></path>\n";
    }
    out_ << markers;
  }

  std::ostream& out_;
  const Panel& panel_;
  double x0_;
  double y0_;
  const std::map<string, string>& colors_;
  AxisRange xr_;
  AxisRange yr_;
};

/// One legend entry: what the glyph shows and its text.
struct LegendEntry {
  enum class Glyph { line, dashed_line, band, reference, faint, off_scale } glyph;
  string color;
  string text;
};

void write_legend_glyph(std::ostream& out, const LegendEntry& e, double x, double y) {
  using Glyph = LegendEntry::Glyph;
  const auto line = [&](const string& color, const char* width, const char* extra) {
    out << "<line x1=\"" << format_coordinate(x) << "\" y1=\"" << format_coordinate(y) << "\" x2=\""
        << format_coordinate(x + kLegendGlyph) << "\" y2=\"" << format_coordinate(y)
        << "\" stroke=\"" << color << "\" stroke-width=\"" << width << "\"" << extra << "/>\n";
  };
  switch (e.glyph) {
    case Glyph::line: line(e.color, "3", ""); break;
    case Glyph::dashed_line: line(e.color, "3", " stroke-dasharray=\"6,4\""); break;
    case Glyph::reference: line("#555", "1.3", " stroke-dasharray=\"5,3\""); break;
    case Glyph::faint: line("#333", "1", " stroke-opacity=\"0.45\""); break;
    case Glyph::band:
      out << "<rect x=\"" << format_coordinate(x) << "\" y=\"" << format_coordinate(y - 6)
          << "\" width=\"" << format_coordinate(kLegendGlyph) << "\" height=\"12\" fill=\""
          << e.color << "\" fill-opacity=\"0.25\"/>\n";
      break;
    case Glyph::off_scale:
      out << edge_marker(x + 6, y + 1, true, "#333") << edge_marker(x + 18, y - 1, false, "#333");
      break;
  }
}

}  // namespace

std::string xml_escape(const std::string& text) {
  string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

void write_svg(std::ostream& out, const Figure& figure) {
  // Colours by first appearance of a label, so one scheme has one colour in every panel; the
  // legend glyph is how the label is drawn where it first appears (line, dashed line or band).
  std::vector<LegendEntry> legend;
  std::map<string, string> colors;
  std::size_t palette_index = 0;
  auto add_label = [&](const string& label, LegendEntry::Glyph glyph) {
    if (colors.contains(label)) return;
    colors[label] = string(kPalette[palette_index++ % kPalette.size()]);
    legend.push_back({glyph, colors[label], label});
  };
  bool any_faint = false;
  bool any_reference = false;
  bool any_off_scale = false;
  for (const Panel& p : figure.panels) {
    for (const Band& b : p.bands) add_label(b.label, LegendEntry::Glyph::band);
    for (const Series& s : p.series) {
      add_label(s.label, s.dashed ? LegendEntry::Glyph::dashed_line : LegendEntry::Glyph::line);
      any_faint = any_faint || s.faint;
    }
    any_reference = any_reference || !p.reference_lines.empty();
    any_off_scale = any_off_scale || !off_scale_series(p).empty();
  }
  if (any_faint && !figure.faint_label.empty()) {
    legend.push_back({LegendEntry::Glyph::faint, "", figure.faint_label});
  }
  if (any_reference && !figure.reference_label.empty()) {
    legend.push_back({LegendEntry::Glyph::reference, "", figure.reference_label});
  }
  if (any_off_scale) {
    legend.push_back({LegendEntry::Glyph::off_scale, "", "leaves the plotted range (above/below)"});
  }

  const int columns =
      std::max(1, std::min<int>(figure.columns, static_cast<int>(figure.panels.size())));
  const int rows = (static_cast<int>(figure.panels.size()) + columns - 1) / columns;
  // Wide enough for the panels, the widest legend entry and the (sub)title (estimated glyph
  // widths).
  const double title_height = kTitleHeight + (figure.subtitle.empty() ? 0.0 : kSubtitleRow);
  const auto entry_width = [](const LegendEntry& e) {
    return kLegendGlyph + 6 + text_width(e.text, kLegendGlyphWidth) + kLegendGap;
  };
  double widest_entry = 0;
  for (const LegendEntry& e : legend) widest_entry = std::max(widest_entry, entry_width(e));
  const double width =
      std::max({kPanelWidth * columns, widest_entry + 32, text_width(figure.title, 15 * 0.62) + 24,
                text_width(figure.subtitle, 12 * 0.56) + 24});
  // Entries flow left to right and wrap, each as wide as its own text: they never overlap.
  std::vector<std::pair<double, int>> positions;  // x and row of each entry
  double x = 16;
  int legend_rows = legend.empty() ? 0 : 1;
  for (const LegendEntry& e : legend) {
    if (x > 16 && x + entry_width(e) > width - 16) {
      x = 16;
      ++legend_rows;
    }
    positions.emplace_back(x, legend_rows - 1);
    x += entry_width(e);
  }
  const double height = title_height + kPanelHeight * rows + kLegendRow * legend_rows + 10;

  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  if (!figure.comment.empty()) {
    string comment = figure.comment;  // "--" may not occur inside an XML comment
    for (std::size_t pos = comment.find("--"); pos != string::npos; pos = comment.find("--")) {
      comment.replace(pos, 2, "- -");
    }
    if (comment.back() == '-') comment += ' ';
    out << "<!-- " << comment << " -->\n";
  }
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << format_coordinate(width)
      << "\" height=\"" << format_coordinate(height) << "\" viewBox=\"0 0 "
      << format_coordinate(width) << ' ' << format_coordinate(height)
      << "\" font-family=\"sans-serif\" font-size=\"13\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << format_coordinate(width / 2)
      << "\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">"
      << xml_escape(figure.title) << "</text>\n";
  if (!figure.subtitle.empty()) {
    out << "<text x=\"" << format_coordinate(width / 2) << "\" y=\""
        << format_coordinate(22 + kSubtitleRow)
        << "\" text-anchor=\"middle\" font-size=\"12\" fill=\"#444\">"
        << xml_escape(figure.subtitle) << "</text>\n";
  }
  for (std::size_t i = 0; i < figure.panels.size(); ++i) {
    const int row_index = static_cast<int>(i) / columns;  // integer division: the grid row
    const auto col = static_cast<double>(static_cast<int>(i) % columns);
    const auto row = static_cast<double>(row_index);
    PanelWriter(out, figure.panels[i], col * kPanelWidth, title_height + row * kPanelHeight, colors)
        .write();
  }
  const double legend_top = title_height + kPanelHeight * rows;
  for (std::size_t i = 0; i < legend.size(); ++i) {
    const double ex = positions[i].first;
    const double ey = legend_top + kLegendRow * static_cast<double>(positions[i].second) + 12;
    write_legend_glyph(out, legend[i], ex, ey);
    out << "<text x=\"" << format_coordinate(ex + kLegendGlyph + 6) << "\" y=\""
        << format_coordinate(ey + 4) << "\" font-size=\"12\">" << xml_escape(legend[i].text)
        << "</text>\n";
  }
  out << "</svg>\n";
}

}  // namespace initcheck::report
