#include "initcheck/report/plots.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "initcheck/claims/check.hpp"
#include "initcheck/core/number_format.hpp"
#include "initcheck/report/report_files.hpp"

namespace initcheck::report {
namespace {

using sweep::CellResult;
using Curve = std::vector<double> claims::LayerCurves::*;

constexpr std::size_t kMaxDriftPanels = 12;

/// Plain MLPs fed N(0,1) inputs: the cells whose per-layer curves are directly comparable.
bool plain_mlp(const CellResult& c) {
  const claims::CheckRequest& r = c.request;
  return c.ok() && r.arch == "mlp" && r.widths.empty() && r.norm == "none" &&
         r.input == "standard_normal";
}

/// Cells of one shape: same depth, width, batch, precision and tolerance.
struct ShapeKey {
  int depth;
  std::int64_t width;
  std::int64_t batch;
  std::string precision;
  double tolerance;
  auto operator<=>(const ShapeKey&) const = default;
};

ShapeKey shape_of(const CellResult& c) {
  const claims::CheckRequest& r = c.request;
  return {r.depth, r.width, r.batch, r.precision, r.tolerance};
}

std::string describe_shape(const ShapeKey& k) {
  return "mlp, depth " + std::to_string(k.depth) + ", width " + std::to_string(k.width) +
         ", batch " + std::to_string(k.batch) + ", " + k.precision +
         ", no normalization, N(0,1) input";
}

/// The family of `cells` with the most distinct (activation, init) pairs; ties go to the deeper,
/// then wider, then earlier family. Empty when `cells` is.
std::vector<const CellResult*> largest_shape_family(const std::vector<const CellResult*>& cells) {
  std::vector<ShapeKey> order;
  std::map<ShapeKey, std::vector<const CellResult*>> groups;
  std::map<ShapeKey, std::set<std::pair<std::string, std::string>>> pairs;
  for (const CellResult* c : cells) {
    const ShapeKey k = shape_of(*c);
    if (!groups.contains(k)) order.push_back(k);
    groups[k].push_back(c);
    pairs[k].emplace(c->request.activation, c->request.init);
  }
  const ShapeKey* best = nullptr;
  for (const ShapeKey& k : order) {
    if (best == nullptr) {
      best = &k;
      continue;
    }
    const auto score = [&](const ShapeKey& key) {
      return std::make_tuple(pairs[key].size(), key.depth, key.width);
    };
    if (score(k) > score(*best)) best = &k;
  }
  return best == nullptr ? std::vector<const CellResult*>{} : groups[*best];
}

std::vector<double> layer_axis(std::size_t n) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<double>(i);
  return x;
}

std::vector<const CellResult*> select(const sweep::SweepResults& results,
                                      const std::function<bool(const CellResult&)>& keep) {
  std::vector<const CellResult*> out;
  for (const CellResult& c : results.cells) {
    if (keep(c)) out.push_back(&c);
  }
  return out;
}

/// Std per layer: one panel per activation, one line per init scheme.
std::optional<NamedFigure> std_figure(const sweep::SweepResults& results, Curve curve,
                                      const std::string& file, const std::string& what,
                                      const std::string& y_label, bool tolerance_lines) {
  const std::vector<const CellResult*> family =
      largest_shape_family(select(results, [curve](const CellResult& c) {
        return plain_mlp(c) && c.request.precision == "fp32" && !(c.result.curves.*curve).empty();
      }));
  if (family.empty()) return std::nullopt;
  const ShapeKey key = shape_of(*family.front());

  NamedFigure named;
  named.file = file;
  named.heading = what;
  named.figure.title = what;
  named.figure.subtitle = "Cells: " + describe_shape(key);
  named.figure.comment = std::string(kGeneratedMarkerText);
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
    panel.x_label = "layer (0 = network input)";
    panel.y_label = y_label;
    std::set<std::string> inits;
    for (const CellResult* c : family) {
      if (c->request.activation != activation || !inits.insert(c->request.init).second) continue;
      const std::vector<double>& y = c->result.curves.*curve;
      panel.series.push_back({c->request.init, layer_axis(y.size()), y, false});
    }
    if (tolerance_lines) panel.reference_lines = {1.0 / key.tolerance, key.tolerance};
    named.figure.panels.push_back(std::move(panel));
  }
  named.alt = what + ", one panel per activation, one line per init scheme";
  named.caption = "Cells: " + describe_shape(key) +
                  ". One panel per activation, one line per "
                  "init scheme (log scale)" +
                  (tolerance_lines ? "; grey dashed lines: the tolerance 1/K and K (K = " +
                                         format_number(key.tolerance) + ")."
                                   : ".");
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
  return {"forward-std.svg", "gradient-std.svg", "precision-events.svg", "drift-band.svg"};
}

std::vector<NamedFigure> build_plots(const sweep::SweepResults& results) {
  std::vector<NamedFigure> out;
  auto add = [&out](std::optional<NamedFigure> figure) {
    if (figure) out.push_back(std::move(*figure));
  };
  add(std_figure(results, &claims::LayerCurves::forward_std, "forward-std.svg",
                 "Activation std per layer (forward)", "std of activations", true));
  add(std_figure(results, &claims::LayerCurves::gradient_std, "gradient-std.svg",
                 "Gradient std per layer (backward)", "std of ∂loss/∂h", false));
  add(precision_figure(results));
  add(drift_figure(results));
  return out;
}

}  // namespace initcheck::report
