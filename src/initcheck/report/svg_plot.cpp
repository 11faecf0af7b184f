#include "initcheck/report/svg_plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <string_view>

#include "initcheck/core/number_format.hpp"

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
constexpr double kLegendEntryWidth = 250;

// Tableau 10: distinguishable and colour-blind friendly enough for ≤ 10 lines.
constexpr std::array<std::string_view, 10> kPalette = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                                       "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                                       "#9c755f", "#bab0ac"};

using std::string;

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  [[nodiscard]] bool empty() const { return !(lo <= hi); }
};

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

/// Tick positions in transformed units: whole decades on a log axis, 1-2-5 steps otherwise.
std::vector<double> ticks(const Range& r, bool log) {
  std::vector<double> out;
  if (log) {
    const double span = r.hi - r.lo;
    const double step = std::max(1.0, std::ceil(span / 6.0));
    for (double t = std::ceil(r.lo / step) * step; t <= r.hi + 1e-9; t += step) out.push_back(t);
    return out;
  }
  const double raw = (r.hi - r.lo) / 5.0;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  for (double t = std::ceil(r.lo / step) * step; t <= r.hi + 1e-9 * step; t += step) {
    out.push_back(std::abs(t) < 1e-12 * step ? 0.0 : t);
  }
  return out;
}

string tick_label(double t, bool log) {
  if (log) {
    const int e = static_cast<int>(std::lround(t));
    if (e == 0) return "1";
    if (e == 1) return "10";
    return "1e" + std::to_string(e);
  }
  return format_number(t);
}

class PanelWriter {
 public:
  PanelWriter(std::ostream& out, const Panel& panel, double x0, double y0,
              const std::map<string, string>& colors)
      : out_(out), panel_(panel), x0_(x0), y0_(y0), colors_(colors) {}

  void write() {
    compute_ranges();
    const double left = x0_ + kMarginLeft;
    const double top = y0_ + kMarginTop;
    out_ << "<g>\n<text x=\"" << format_coordinate(x0_ + kPanelWidth / 2) << "\" y=\""
         << format_coordinate(y0_ + 18) << "\" text-anchor=\"middle\" font-weight=\"bold\">"
         << xml_escape(panel_.title) << "</text>\n";
    out_ << "<rect x=\"" << format_coordinate(left) << "\" y=\"" << format_coordinate(top)
         << "\" width=\"" << format_coordinate(plot_width()) << "\" height=\""
         << format_coordinate(plot_height()) << "\" fill=\"white\" stroke=\"#333\"/>\n";
    if (xr_.empty() || yr_.empty()) {
      out_ << "<text x=\"" << format_coordinate(left + plot_width() / 2) << "\" y=\""
           << format_coordinate(top + plot_height() / 2)
           << "\" text-anchor=\"middle\" fill=\"#777\">no finite data</text>\n</g>\n";
      return;
    }
    write_axes();
    for (const Band& band : panel_.bands) write_band(band);
    for (double ref : panel_.reference_lines) write_reference(ref);
    for (const Series& s : panel_.series) write_series(s);
    out_ << "</g>\n";
  }

 private:
  [[nodiscard]] static double plot_width() { return kPanelWidth - kMarginLeft - kMarginRight; }
  [[nodiscard]] static double plot_height() { return kPanelHeight - kMarginTop - kMarginBottom; }
  [[nodiscard]] double px(double x) const {
    return x0_ + kMarginLeft + (x - xr_.lo) / (xr_.hi - xr_.lo) * plot_width();
  }
  [[nodiscard]] double py(double ty) const {
    return y0_ + kMarginTop + plot_height() - (ty - yr_.lo) / (yr_.hi - yr_.lo) * plot_height();
  }

  void compute_ranges() {
    const bool log = panel_.log_y;
    auto add_points = [&](const std::vector<double>& xs, const std::vector<double>& ys) {
      for (std::size_t i = 0; i < std::min(xs.size(), ys.size()); ++i) {
        if (std::isfinite(xs[i]) && plottable(ys[i], log)) {
          xr_.add(xs[i]);
          yr_.add(transform(ys[i], log));
        }
      }
    };
    for (const Series& s : panel_.series) add_points(s.x, s.y);
    for (const Band& b : panel_.bands) {
      add_points(b.x, b.lower);
      add_points(b.x, b.upper);
    }
    if (!yr_.empty()) {
      for (double ref : panel_.reference_lines) {
        if (plottable(ref, log)) yr_.add(transform(ref, log));
      }
    }
    if (xr_.empty() || yr_.empty()) return;
    if (xr_.hi == xr_.lo) {
      xr_.lo -= 0.5;
      xr_.hi += 0.5;
    }
    if (log) {
      yr_.lo = std::floor(yr_.lo);
      yr_.hi = std::ceil(yr_.hi);
      if (yr_.hi == yr_.lo) yr_.hi += 1;
    } else {
      const double pad = yr_.hi > yr_.lo ? 0.05 * (yr_.hi - yr_.lo) : 0.5;
      yr_.lo -= pad;
      yr_.hi += pad;
    }
  }

  void write_axes() {
    const double bottom = y0_ + kMarginTop + plot_height();
    const double left = x0_ + kMarginLeft;
    for (double t : ticks(xr_, false)) {
      out_ << "<line x1=\"" << format_coordinate(px(t)) << "\" y1=\"" << format_coordinate(bottom)
           << "\" x2=\"" << format_coordinate(px(t)) << "\" y2=\"" << format_coordinate(bottom + 5)
           << "\" stroke=\"#333\"/>\n<text x=\"" << format_coordinate(px(t)) << "\" y=\""
           << format_coordinate(bottom + 18) << "\" text-anchor=\"middle\" font-size=\"11\">"
           << tick_label(t, false) << "</text>\n";
    }
    for (double t : ticks(yr_, panel_.log_y)) {
      out_ << "<line x1=\"" << format_coordinate(left) << "\" y1=\"" << format_coordinate(py(t))
           << "\" x2=\"" << format_coordinate(left + plot_width()) << "\" y2=\""
           << format_coordinate(py(t)) << "\" stroke=\"#e5e5e5\"/>\n<text x=\""
           << format_coordinate(left - 6) << "\" y=\"" << format_coordinate(py(t) + 4)
           << "\" text-anchor=\"end\" font-size=\"11\">" << tick_label(t, panel_.log_y)
           << "</text>\n";
    }
    out_ << "<text x=\"" << format_coordinate(left + plot_width() / 2) << "\" y=\""
         << format_coordinate(bottom + 36) << "\" text-anchor=\"middle\" font-size=\"12\">"
         << xml_escape(panel_.x_label) << "</text>\n";
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
         << "\" stroke=\"#888\" stroke-dasharray=\"2,3\"/>\n";
  }

  void write_band(const Band& band) {
    const bool log = panel_.log_y;
    string upper;
    string lower;
    for (std::size_t i = 0; i < band.x.size() && i < band.lower.size() && i < band.upper.size();
         ++i) {
      if (!plottable(band.lower[i], log) || !plottable(band.upper[i], log)) continue;
      upper += format_coordinate(px(band.x[i])) + "," +
               format_coordinate(py(transform(band.upper[i], log))) + " ";
      lower.insert(0, format_coordinate(px(band.x[i])) + "," +
                          format_coordinate(py(transform(band.lower[i], log))) + " ");
    }
    if (upper.empty()) return;
    out_ << "<polygon points=\"" << upper << lower << "\" fill=\"" << colors_.at(band.label)
         << "\" fill-opacity=\"0.18\" stroke=\"none\"/>\n";
  }

  void write_series(const Series& s) {
    const bool log = panel_.log_y;
    const string& color = colors_.at(s.label);
    string path;
    bool pen_down = false;
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !plottable(s.y[i], log)) {
        pen_down = false;
        continue;
      }
      // Appended piecewise: `"L" + std::string&&` trips GCC 12's -Wrestrict false positive.
      path += pen_down ? 'L' : 'M';
      path += format_coordinate(px(s.x[i]));
      path += ' ';
      path += format_coordinate(py(transform(s.y[i], log)));
      path += ' ';
      pen_down = true;
    }
    if (path.empty()) return;
    out_ << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << color
         << "\" stroke-width=\"1.8\"" << (s.dashed ? " stroke-dasharray=\"6,4\"" : "") << ">"
         << "<title>" << xml_escape(s.label) << "</title></path>\n";
  }

  std::ostream& out_;
  const Panel& panel_;
  double x0_;
  double y0_;
  const std::map<string, string>& colors_;
  Range xr_;
  Range yr_;
};

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
  // Colours by first appearance of a label, so one scheme has one colour in every panel.
  std::vector<string> labels;
  std::map<string, string> colors;
  std::map<string, bool> dashed;
  auto add_label = [&](const string& label, bool is_dashed) {
    if (colors.contains(label)) return;
    colors[label] = string(kPalette[labels.size() % kPalette.size()]);
    dashed[label] = is_dashed;
    labels.push_back(label);
  };
  for (const Panel& p : figure.panels) {
    for (const Series& s : p.series) add_label(s.label, s.dashed);
    for (const Band& b : p.bands) add_label(b.label, false);
  }
  const int columns =
      std::max(1, std::min<int>(figure.columns, static_cast<int>(figure.panels.size())));
  const int rows = (static_cast<int>(figure.panels.size()) + columns - 1) / columns;
  // Wide enough for the panels, the legend and the (sub)title (estimated glyph widths).
  const double title_height = kTitleHeight + (figure.subtitle.empty() ? 0.0 : kSubtitleRow);
  const double width =
      std::max({kPanelWidth * columns, kLegendEntryWidth, text_width(figure.title, 15 * 0.62) + 24,
                text_width(figure.subtitle, 12 * 0.56) + 24});
  const int per_row = std::max(1, static_cast<int>(width / kLegendEntryWidth));
  const int legend_rows = (static_cast<int>(labels.size()) + per_row - 1) / per_row;
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
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const int legend_row = static_cast<int>(i) / per_row;  // integer division: the legend row
    const double x = 16 + kLegendEntryWidth * static_cast<double>(static_cast<int>(i) % per_row);
    const double y = legend_top + kLegendRow * static_cast<double>(legend_row) + 12;
    out << "<line x1=\"" << format_coordinate(x) << "\" y1=\"" << format_coordinate(y) << "\" x2=\""
        << format_coordinate(x + 24) << "\" y2=\"" << format_coordinate(y) << "\" stroke=\""
        << colors[labels[i]] << "\" stroke-width=\"3\""
        << (dashed[labels[i]] ? " stroke-dasharray=\"6,4\"" : "") << "/>\n<text x=\""
        << format_coordinate(x + 30) << "\" y=\"" << format_coordinate(y + 4)
        << "\" font-size=\"12\">" << xml_escape(labels[i]) << "</text>\n";
  }
  out << "</svg>\n";
}

}  // namespace initcheck::report
