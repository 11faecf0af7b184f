#include "initcheck/report/plots.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "initcheck/claims/check.hpp"
#include "initcheck/core/number_format.hpp"
#include "initcheck/report/detail/cell_families.hpp"
#include "initcheck/report/plot_axes.hpp"
#include "initcheck/report/report_files.hpp"

namespace initcheck::report {
namespace {

using detail::CellResult;
using detail::describe_family;
using detail::describe_shape;
using detail::family_of;
using detail::FamilyKey;
using detail::largest_family;
using detail::largest_shape_family;
using detail::plain_fp32;
using detail::plain_mlp;
using detail::select;
using detail::series_label;
using detail::shape_of;
using detail::ShapeKey;
using Curve = std::vector<double> claims::LayerCurves::*;

constexpr std::size_t kMaxDriftPanels = 12;

std::vector<double> layer_axis(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i);
  return x;
}

/// The caption's note on the series the robust y-range leaves off the scale, with the value
/// each reaches (the most extreme over its panels), e.g. " Off the scale (…): normal(std=1)
/// (up to 1e+28)." Empty when nothing is.
std::string off_scale_note(const Figure& figure) {
  std::vector<std::string> labels;
  std::map<std::string, std::pair<double, double>> extremes;  // label -> min, max
  for (const Panel& panel : figure.panels) {
    for (const std::string& label : off_scale_series(panel)) {
      if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
    }
    for (const Series& s : panel.series) {
      auto it = extremes
                    .try_emplace(s.label, std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity())
                    .first;
      for (double y : s.y) {
        if (std::isfinite(y) && y > 0) {
          it->second.first = std::min(it->second.first, y);
          it->second.second = std::max(it->second.second, y);
        }
      }
    }
  }
  if (labels.empty()) return "";
  std::string out =
      " Off the scale (drawn to the edge of the plot and marked ▲ above or ▼ below it):";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto [lo, hi] = extremes[labels[i]];
    // The direction it leaves in: the extreme farther (in decades) from 1.
    const bool up = std::abs(std::log10(hi)) >= std::abs(std::log10(lo));
    out += (i == 0 ? " " : "; ") + labels[i] + " (" + (up ? "up to " : "down to ") +
           format_number(up ? hi : lo) + ")";
  }
  return out + ".";
}

/// Std per layer of one architecture family: one panel per activation, one line per init
/// scheme; cells of the same scheme at a smaller depth are thin lines of the same colour.
std::optional<NamedFigure> std_figure(const sweep::SweepResults& results, const std::string& arch,
                                      Curve curve, const std::string& file, const std::string& what,
                                      const std::string& y_label, double clip_decades) {
  const std::vector<const CellResult*> family =
      largest_family(select(results, [&arch, curve](const CellResult& c) {
        return plain_fp32(c, arch) && !(c.result.curves.*curve).empty();
      }));
  if (family.empty()) return std::nullopt;
  const FamilyKey key = family_of(*family.front());
  std::set<int> depths;
  for (const CellResult* c : family) depths.insert(c->request.depth);
  const std::string cells = describe_family(arch, key, depths);

  NamedFigure named;
  named.file = file;
  named.heading = what + ", " + arch;
  named.figure.title = what + " — " + arch;
  named.figure.subtitle = "Cells: " + cells;
  named.figure.comment = std::string(kGeneratedMarkerText);
  named.figure.reference_label = "tolerance 1/K, K (K = " + format_number(key.tolerance) + ")";
  named.figure.faint_label = "thin: the same scheme at a smaller depth";
  std::vector<std::string> activations;
  for (const CellResult* c : family) {
    if (std::find(activations.begin(), activations.end(), c->request.activation) ==
        activations.end()) {
      activations.push_back(c->request.activation);
    }
  }
  for (const std::string& activation : activations) {
    Panel panel;
    panel.title = activation;
    panel.x_label = arch == "resnet" || arch == "transformer" ? "block (0 = network input)"
                                                              : "layer (0 = network input)";
    panel.y_label = y_label;
    panel.clip_decades = clip_decades;
    // The deepest cell of each label is the full line; shallower ones (first seen) are faint.
    std::vector<std::string> labels;
    std::map<std::string, int> deepest;
    for (const CellResult* c : family) {
      if (c->request.activation != activation) continue;
      const std::string label = series_label(c->request);
      if (!deepest.contains(label)) labels.push_back(label);
      deepest[label] = std::max(deepest[label], c->request.depth);
    }
    std::set<std::pair<std::string, int>> drawn;
    for (const std::string& label : labels) {
      for (const CellResult* c : family) {
        if (c->request.activation != activation || series_label(c->request) != label ||
            !drawn.emplace(label, c->request.depth).second) {
          continue;
        }
        const std::vector<double>& y = c->result.curves.*curve;
        Series s{label, layer_axis(y.size()), y, false};
        s.faint = c->request.depth < deepest[label];
        panel.series.push_back(std::move(s));
      }
    }
    panel.reference_lines = {1.0 / key.tolerance, key.tolerance};
    named.figure.panels.push_back(std::move(panel));
  }
  named.alt = what + " for " + arch + " cells, one panel per activation, one line per init scheme";
  named.caption =
      "Cells: " + cells + ". One panel per activation, one line per init scheme (log scale)" +
      (depths.size() > 1 ? "; thin light lines: the same scheme at a smaller depth" : "") +
      "; grey dashed lines: the tolerance 1/K and K (K = " + format_number(key.tolerance) + ")." +
      off_scale_note(named.figure);
  return named;
}

/// Activation std against width at fixed depth (μP coordinate-check style): one panel per
/// (scheme, activation, depth) with at least kMinWidths widths, one line per layer position.
std::optional<NamedFigure> width_figure(const sweep::SweepResults& results) {
  constexpr std::size_t kMinWidths = 3;
  constexpr std::size_t kMaxPanels = 6;
  using Key = std::tuple<std::string, std::string, int, std::int64_t, double>;
  std::vector<Key> order;
  std::map<Key, std::map<std::int64_t, const CellResult*>> groups;  // width -> first cell
  for (const CellResult* c : select(results, [](const CellResult& c) {
         return plain_fp32(c, "mlp") && c.result.curves.forward_std.size() >= 2;
       })) {
    const claims::CheckRequest& r = c->request;
    const Key k{r.init, r.activation, r.depth, r.batch, r.tolerance};
    if (!groups.contains(k)) order.push_back(k);
    groups[k].try_emplace(r.width, c);
  }
  std::vector<Key> chosen;
  for (const Key& k : order) {
    if (groups[k].size() >= kMinWidths) chosen.push_back(k);
  }
  if (chosen.empty()) return std::nullopt;
  std::stable_sort(chosen.begin(), chosen.end(),
                   [&](const Key& a, const Key& b) { return groups[a].size() > groups[b].size(); });
  const std::size_t skipped = chosen.size() > kMaxPanels ? chosen.size() - kMaxPanels : 0;
  chosen.resize(std::min(chosen.size(), kMaxPanels));

  NamedFigure named;
  named.file = "width-sweep.svg";
  named.heading = "Activation std against width (coordinate check)";
  named.figure.title = "Activation std against width at fixed depth";
  named.figure.subtitle = "Cells: mlp, fp32, no normalization, N(0,1) input";
  named.figure.comment = std::string(kGeneratedMarkerText);
  named.figure.reference_label = "tolerance 1/K, K";
  for (const Key& k : chosen) {
    const auto& [init, activation, depth, batch, tolerance] = k;
    Panel panel;
    panel.title = init + " · " + activation + ", depth " + std::to_string(depth);
    panel.x_label = "width";
    panel.y_label = "std of activations";
    panel.log_x = true;
    panel.clip_decades = 1.5;
    const std::vector<std::pair<std::string, double>> positions = {
        {"first layer", 0.0}, {"middle layer", 0.5}, {"last layer", 1.0}};
    for (const auto& [label, fraction] : positions) {
      Series s{label, {}, {}, false};
      for (const auto& [width, cell] : groups[k]) {
        const std::vector<double>& y = cell->result.curves.forward_std;
        const std::size_t last = y.size() - 1;
        const auto layer = std::max<std::size_t>(
            1, static_cast<std::size_t>(std::lround(fraction * static_cast<double>(last))));
        s.x.push_back(static_cast<double>(width));
        s.y.push_back(y[layer]);
      }
      panel.series.push_back(std::move(s));
    }
    panel.reference_lines = {1.0 / tolerance, tolerance};
    named.figure.panels.push_back(std::move(panel));
  }
  named.alt = "activation std at the first, middle and last layer against width";
  named.caption =
      "Activation std at the first, middle and last layer against the width (both log scale), "
      "one panel per scheme, activation and depth with at least " +
      std::to_string(kMinWidths) +
      " widths, as in a μP coordinate check: a width-independent scale gives flat lines. Grey "
      "dashed lines: the tolerance 1/K and K." +
      (skipped > 0 ? " " + std::to_string(skipped) + " further families are not drawn." : "") +
      off_scale_note(named.figure);
  return named;
}

std::optional<NamedFigure> precision_figure(const sweep::SweepResults& results) {
  std::vector<const CellResult*> family;
  for (const char* format : {"fp16", "bf16"}) {
    family = largest_shape_family(select(results, [format](const CellResult& c) {
      return plain_mlp(c) && c.request.precision == format &&
             !c.result.curves.flushed_fraction.empty();
    }));
    if (!family.empty()) break;
  }
  if (family.empty()) return std::nullopt;
  const ShapeKey key = shape_of(*family.front());
  const double epsilon = claims::CheckOptions{}.precision_epsilon;

  NamedFigure named;
  named.file = "precision-events.svg";
  named.heading = "Rounding events per layer (" + key.precision + ")";
  named.figure.title = key.precision + " rounding events per layer";
  named.figure.subtitle = "Cells: " + describe_shape(key);
  named.figure.comment = std::string(kGeneratedMarkerText);
  named.figure.reference_label = "allowed fraction ε = " + format_number(epsilon);
  const std::vector<std::pair<std::string, Curve>> kinds = {
      {"flushed to zero", &claims::LayerCurves::flushed_fraction},
      {"made subnormal", &claims::LayerCurves::subnormal_fraction},
      {"rounded to ±inf (overflow)", &claims::LayerCurves::overflow_fraction}};
  std::vector<std::string> never;  // event kinds no cell of the family ever shows
  for (const auto& [title, curve] : kinds) {
    const bool any =
        std::any_of(family.begin(), family.end(), [curve = curve](const CellResult* c) {
          const std::vector<double>& y = c->result.curves.*curve;
          return std::any_of(y.begin(), y.end(), [](double v) { return v > 0; });
        });
    if (!any) {
      never.push_back(title);
      continue;
    }
    Panel panel;
    panel.title = "values " + title;
    panel.x_label = "layer (0 = network input)";
    panel.y_label = "fraction of values (0 not drawn)";
    std::set<std::string> labels;
    for (const CellResult* c : family) {
      const std::string label = c->request.init + " · " + c->request.activation;
      if (!labels.insert(label).second) continue;
      const std::vector<double>& y = c->result.curves.*curve;
      panel.series.push_back({label, layer_axis(y.size()), y, false});
    }
    panel.reference_lines = {epsilon};
    named.figure.panels.push_back(std::move(panel));
  }
  if (named.figure.panels.empty()) return std::nullopt;
  named.alt = key.precision + " flush-to-zero, subnormal and overflow fractions per layer";
  named.caption = "Cells: " + describe_shape(key) +
                  ". One line per init scheme · activation; "
                  "grey dashed line: the allowed fraction ε = " +
                  format_number(epsilon) +
                  ". A fraction of exactly 0 is not drawn on the log scale.";
  for (std::size_t i = 0; i < never.size(); ++i) {
    named.caption += (i == 0 ? " No value was " : " or ") + never[i];
    if (i + 1 == never.size()) named.caption += " in these cells.";
  }
  return named;
}

std::optional<NamedFigure> drift_figure(const sweep::SweepResults& results) {
  const std::vector<const CellResult*> candidates = select(results, [](const CellResult& c) {
    return plain_mlp(c) && c.request.precision == "fp32" && !c.result.curves.drift_lower.empty();
  });
  // The (init, activation, batch, tolerance) family with the most cells; ties: first seen.
  using Key = std::tuple<std::string, std::string, std::int64_t, double>;
  std::vector<Key> order;
  std::map<Key, std::vector<const CellResult*>> groups;
  for (const CellResult* c : candidates) {
    const Key k{c->request.init, c->request.activation, c->request.batch, c->request.tolerance};
    if (!groups.contains(k)) order.push_back(k);
    groups[k].push_back(c);
  }
  if (order.empty()) return std::nullopt;
  const Key* best = &order.front();
  for (const Key& k : order) {
    if (groups[k].size() > groups[*best].size()) best = &k;
  }
  std::vector<const CellResult*> family = groups[*best];
  std::stable_sort(family.begin(), family.end(), [](const CellResult* a, const CellResult* b) {
    return std::make_pair(a->request.depth, a->request.width) <
           std::make_pair(b->request.depth, b->request.width);
  });
  const auto& [init, activation, batch, tolerance] = *best;

  NamedFigure named;
  named.file = "drift-band.svg";
  named.heading = "Finite-width drift vs the Hanin–Rolnick prediction";
  named.figure.title = "Drift of one network's std_l/std_0 over replicates";
  named.figure.subtitle = "Cells: " + init + ", " + activation + ", mlp, batch " +
                          std::to_string(batch) + ", fp32, no normalization";
  named.figure.comment = std::string(kGeneratedMarkerText);
  named.figure.reference_label = "tolerance 1/K, K (K = " + format_number(tolerance) + ")";
  std::set<std::pair<int, std::int64_t>> shapes;
  std::size_t skipped = 0;
  for (const CellResult* c : family) {
    if (!shapes.emplace(c->request.depth, c->request.width).second) continue;
    if (named.figure.panels.size() == kMaxDriftPanels) {
      ++skipped;
      continue;
    }
    const claims::LayerCurves& curves = c->result.curves;
    Panel panel;
    panel.title =
        "depth " + std::to_string(c->request.depth) + ", width " + std::to_string(c->request.width);
    panel.x_label = "layer (0 = network input)";
    panel.y_label = "std_l / std_0";
    const std::vector<double> x =
        layer_axis(std::min(curves.drift_lower.size(), curves.drift_upper.size()));
    panel.bands.push_back(
        {"measured 5–95 % of networks", x, curves.drift_lower, curves.drift_upper});
    const std::string predicted = "Hanin–Rolnick 5–95 % prediction";
    if (!curves.predicted_drift_lower.empty()) {
      panel.series.push_back({predicted, layer_axis(curves.predicted_drift_lower.size()),
                              curves.predicted_drift_lower, true});
    }
    if (!curves.predicted_drift_upper.empty()) {
      panel.series.push_back({predicted, layer_axis(curves.predicted_drift_upper.size()),
                              curves.predicted_drift_upper, true});
    }
    panel.reference_lines = {1.0 / tolerance, tolerance};
    named.figure.panels.push_back(std::move(panel));
  }
  named.alt =
      "measured drift band of std_l/std_0 vs the Hanin–Rolnick prediction, one panel per "
      "depth and width";
  named.caption = "Cells: " + init + ", " + activation + ", mlp, batch " + std::to_string(batch) +
                  ", fp32, no normalization. Shaded: the 5 %–95 % range of std_l/std_0 over "
                  "independent networks; dashed: the finite-width (Hanin–Rolnick) prediction; "
                  "grey dashed lines: 1/K and K (K = " +
                  format_number(tolerance) + ")." +
                  (skipped > 0 ? " " + std::to_string(skipped) +
                                     " further depth/width "
                                     "combinations are not drawn."
                               : "");
  return named;
}

}  // namespace

std::vector<std::string> plot_file_names() {
  return {"forward-std.svg",        "forward-std-conv.svg",
          "forward-std-resnet.svg", "forward-std-transformer.svg",
          "width-sweep.svg",        "gradient-std.svg",
          "precision-events.svg",   "drift-band.svg"};
}

std::vector<NamedFigure> build_plots(const sweep::SweepResults& results) {
  std::vector<NamedFigure> out;
  auto add = [&out](std::optional<NamedFigure> figure) {
    if (figure) out.push_back(std::move(*figure));
  };
  // Forward std: one figure per architecture family present; gradient std (relative to the
  // output layer, where it is 1) for MLPs. Both are clipped 1.5 decades beyond the tolerance
  // lines 1/K and K (the gradient claim's band too), so the lines stay apart.
  add(std_figure(results, "mlp", &claims::LayerCurves::forward_std, "forward-std.svg",
                 "Activation std per layer", "std of activations", 1.5));
  add(std_figure(results, "conv", &claims::LayerCurves::forward_std, "forward-std-conv.svg",
                 "Activation std per layer", "std of activations", 1.5));
  add(std_figure(results, "resnet", &claims::LayerCurves::forward_std, "forward-std-resnet.svg",
                 "Activation std per layer", "std of activations", 1.5));
  add(std_figure(results, "transformer", &claims::LayerCurves::forward_std,
                 "forward-std-transformer.svg", "Residual-stream std per block",
                 "std of the residual stream", 1.5));
  add(width_figure(results));
  add(std_figure(results, "mlp", &claims::LayerCurves::gradient_std, "gradient-std.svg",
                 "Gradient std per layer (backward)", "std of ∂loss/∂h", 1.5));
  add(precision_figure(results));
  add(drift_figure(results));
  return out;
}

}  // namespace initcheck::report
