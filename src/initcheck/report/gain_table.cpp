#include "initcheck/report/gain_table.hpp"

#include <cmath>

#include "initcheck/core/number_format.hpp"
#include "initcheck/nn/activation.hpp"
#include "initcheck/report/markdown_text.hpp"
#include "initcheck/theory/exact_gain.hpp"

namespace initcheck::report {
namespace {

std::string cell(double x) {
  return std::isnan(x) ? "—" : format_number(x);
}

}  // namespace

std::vector<GainRow> gain_rows() {
  const std::vector<std::string> names = {"relu",
                                          "leaky_relu(0.01)",
                                          "leaky_relu(0.2)",
                                          "tanh",
                                          "sigmoid",
                                          "gelu",
                                          "silu",
                                          "selu",
                                          "elu",
                                          "softplus",
                                          "mish",
                                          "linear"};
  std::vector<GainRow> rows;
  for (const std::string& name : names) {
    const nn::Activation act = nn::Activation::parse(name);
    const theory::GainReport g = theory::gain_report(act);
    GainRow row;
    row.activation = act.name();
    row.second_moment = g.second_moment;
    row.exact_gain = g.exact_gain;
    row.slope = g.slope;
    if (g.torch) row.torch_gain = *g.torch;
    if (g.torch_q_star) row.torch_q_star = *g.torch_q_star;
    if (g.torch_slope) row.torch_slope = *g.torch_slope;
    rows.push_back(row);
  }
  return rows;
}

void write_gain_table(std::ostream& out, const std::vector<GainRow>& rows) {
  if (rows.empty()) {
    out << "No gains were computed.\n";
    return;
  }
  MarkdownTable table({{"activation"},
                       {"E[φ(z)²]", Align::right},
                       {"exact gain", Align::right},
                       {"q-map slope at q\\* = 1", Align::right},
                       {"PyTorch gain", Align::right},
                       {"PyTorch / exact", Align::right},
                       {"first-layer factor (PyTorch/exact)²", Align::right},
                       {"q\\* with PyTorch gain", Align::right},
                       {"slope there", Align::right}});
  for (const GainRow& row : rows) {
    const double ratio = row.torch_gain / row.exact_gain;
    table.add_row({code_span(row.activation), cell(row.second_moment), cell(row.exact_gain),
                   cell(row.slope), cell(row.torch_gain), cell(ratio), cell(ratio * ratio),
                   cell(row.torch_q_star), cell(row.torch_slope)});
  }
  table.write(out);
  out << "\nThe exact gain 1/√E[φ(z)²] (z ~ N(0,1), no bias) makes the second moment q = 1 a "
         "fixed point of the mean-field variance map; it only keeps std 1 through depth if that "
         "fixed point is stable (slope < 1; slope 1 means neutral, as for ReLU). With PyTorch's "
         "gain the first layer multiplies the second moment by (PyTorch/exact)², and deep layers "
         "settle at q\\* instead of 1 (— : PyTorch has no gain for the activation, or there is no "
         "finite fixed point).\n";
}

}  // namespace initcheck::report
