/// `initcheck theory --init SPEC --activation ACT --depth L --width N`: the mean-field
/// oracle's layer-by-layer prediction and the order/chaos phase of the configuration.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/registry.hpp"
#include "initcheck/init/spec_parser.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/theory/exact_gain.hpp"
#include "initcheck/theory/mean_field.hpp"
#include "initcheck/theory/trajectory.hpp"

namespace initcheck::cli {
namespace {

/// Bounds that keep the printed table readable; the oracle itself has no size limit.
constexpr std::int64_t kMaxDepth = 100000;
/// The phase analysis brackets q* up to 1e30·q and evaluates the maps there; beyond this scale of
/// σ_w², σ_b² or q the search overflows (it failed from σ_w² ≈ 1e140 up), so it is skipped.
constexpr double kMaxPhaseScale = 1e100;

struct TheoryFlags {
  std::string init;
  std::string activation;
  std::int64_t depth = 0;
  std::int64_t width = 0;
};

std::string number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  // Exactly printf("%.6g"): std::to_chars with a precision follows printf's rules.
  const auto printed =
      std::to_chars(std::begin(buf), std::end(buf), x, std::chars_format::general, 6);
  return {std::begin(buf), printed.ptr};
}

/// Left-aligned columns separated by two spaces.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

int run_theory(const TheoryFlags& f) {
  if (f.depth < 1) throw InputError("--depth must be >= 1, got " + std::to_string(f.depth));
  if (f.depth > kMaxDepth) {
    throw InputError("--depth must be <= " + std::to_string(kMaxDepth) + ", got " +
                     std::to_string(f.depth));
  }
  if (f.width < 1) throw InputError("--width must be >= 1, got " + std::to_string(f.width));

  model::NetworkConfig config;
  config.activation = nn::Activation::parse(f.activation);
  config.widths = model::constant_widths(f.width, static_cast<int>(f.depth));
  init::SpecContext context;
  context.exact_gain = theory::variance_preserving_gain(config.activation);
  if (const std::optional<double> g = theory::torch_gain(config.activation)) context.gain = *g;
  config.init = init::parse_init_spec(f.init, init::builtin_registry(), context);

  const theory::PredictedTrajectory t = theory::predict_trajectory(config);
  std::ostream& out = std::cout;
  out << "init " << config.init->name() << ", activation " << config.activation.name() << ", depth "
      << f.depth << ", width " << f.width << " (mlp)\n"
      << "mean-field prediction (infinite width): input second moment "
      << number(t.input_second_moment) << ", upstream gradient second moment 1\n\n";

  std::vector<std::vector<std::string>> rows;
  rows.push_back(
      {"layer", "q (pre-act E[z^2])", "post E[h^2]", "gain", "cumulative", "backward gain"});
  double cumulative = 1.0;
  for (const theory::LayerPrediction& l : t.layers) {
    cumulative *= l.gain;
    rows.push_back({std::to_string(l.index + 1), number(l.pre_second_moment),
                    number(l.post_second_moment), number(l.gain), number(cumulative),
                    number(l.backward_gain)});
  }
  print_table(rows, out);
  out << "\ncumulative backward gain (input gradient second moment): " << number(t.grad_input_sq)
      << "\n\n";

  // Phase of the first layer's (σ_w², σ_b²), iterated from the first pre-activation's q.
  const FanInfo fan = model::layer_fan(config, 0);
  const init::WeightLaw w = config.init->weight_law(fan);
  const double bias_variance = config.init->has_bias() ? config.init->bias_law(fan).variance : 0.0;
  const theory::MeanFieldParams params{w.variance * static_cast<double>(fan.fan_in()),
                                       bias_variance};
  const double q0 = t.layers.front().pre_second_moment;
  if (!(params.weight_variance <= kMaxPhaseScale && params.bias_variance <= kMaxPhaseScale &&
        q0 <= kMaxPhaseScale)) {
    out << "phase                 not computed: sigma_w^2 = " << number(params.weight_variance)
        << ", sigma_b^2 = " << number(params.bias_variance) << ", q = " << number(q0)
        << " (the fixed-point search needs each <= 1e100)\n";
    return 0;
  }
  const theory::PhaseReport phase =
      theory::analyze_phase(config.activation, params, q0 > 0.0 ? q0 : 1.0);
  std::vector<std::vector<std::string>> info;
  info.push_back(
      {"phase", std::string(theory::phase_name(phase.phase)) +
                    " (ordered chi_1 < 1, chaotic chi_1 > 1, critical |chi_1 - 1| <= 1e-3)"});
  info.push_back({"sigma_w^2, sigma_b^2", number(params.weight_variance) + ", " +
                                              number(params.bias_variance) + " (layer 1)"});
  info.push_back({"chi_1", number(phase.chi1)});
  info.push_back({"q*", number(phase.q_star) + " (reached from q = " + number(q0) + ")"});
  info.push_back({"q-map slope at q*", number(phase.q_slope)});
  info.push_back({"xi_q", number(phase.xi_q)});
  info.push_back({"c*", number(phase.c_star)});
  info.push_back({"chi_c", number(phase.chi_c)});
  info.push_back({"xi_c", number(phase.xi_c)});
  print_table(info, out);
  return 0;
}

}  // namespace

Subcommand add_theory_command(CLI::App& app) {
  auto flags = std::make_shared<TheoryFlags>();
  CLI::App* sub = app.add_subcommand(
      "theory",
      "Mean-field prediction: per-layer second moments, gains, backward gains, and the "
      "order/chaos phase (chi_1, q*, depth scales)");
  sub->add_option("--init", flags->init,
                  "init spec, e.g. kaiming_normal, normal(std=0.01) or per layer role "
                  "'default=SPEC, readout=SPEC' (initcheck schemes lists the grammar)")
      ->required();
  sub->add_option("--activation", flags->activation,
                  "relu, leaky_relu(a), tanh, sigmoid, gelu, silu, selu, elu, softplus, mish, "
                  "linear")
      ->required();
  sub->add_option("--depth", flags->depth, "number of weight layers (>= 1)")->required();
  sub->add_option("--width", flags->width, "width of every layer (>= 1)")->required();
  return {sub, [flags] { return run_theory(*flags); }};
}

}  // namespace initcheck::cli
