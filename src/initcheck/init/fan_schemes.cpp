/// Fan-scaled schemes: Kaiming/He, Xavier/Glorot, LeCun, variance_scaling, PyTorch defaults.
#include <cmath>
#include <memory>

#include "initcheck/core/error.hpp"
#include "initcheck/init/detail/law_scheme.hpp"
#include "initcheck/init/torch_gain.hpp"
#include "initcheck/init/weight_laws.hpp"

namespace initcheck::init::detail {
namespace {

const double kSqrt3 = std::sqrt(3.0);

/// fan_in, fan_out, fan_avg or fan_geo_avg of a layer.
double fan_by_mode(const FanInfo& fan, std::string_view mode) {
  if (mode == "fan_in") return static_cast<double>(fan.fan_in());
  if (mode == "fan_out") return static_cast<double>(fan.fan_out());
  if (mode == "fan_geo_avg") return fan.fan_geo_avg();
  return fan.fan_avg();
}

/// The nonlinearity choices, default (relu) first.
std::vector<std::string> nonlinearity_choices() {
  std::vector<std::string> out = {"relu"};
  for (const std::string& n : torch_gain_nonlinearities()) {
    if (n != "relu") out.push_back(n);
  }
  return out;
}

void register_kaiming(Registry& registry, bool uniform) {
  const std::string name = uniform ? "kaiming_uniform" : "kaiming_normal";
  SchemeInfo info{name,
                  {{"mode", ParamKind::word, "fan_in", {"fan_in", "fan_out"}},
                   {"nonlinearity", ParamKind::word, "relu", nonlinearity_choices()},
                   {"a", ParamKind::number, "0", {}}},
                  uniform ? "gain²/fan; U(±√3·gain/√fan), gain = calculate_gain(nonlinearity, a)"
                          : "gain²/fan; N(0, gain²/fan), gain = calculate_gain(nonlinearity, a)"};
  registry.add(std::move(info), [uniform](const SchemeArgs& args) {
    const std::string canonical = args.canonical();
    const std::string& mode = args.word("mode");
    const std::string& nonlinearity = args.word("nonlinearity");
    const Expr& a = args.number("a");
    const std::string formula = "Var(W) = gain²/" + mode + ", gain = calculate_gain(" +
                                nonlinearity + ", a=" + a.text() + "); " +
                                (uniform ? "W ~ U(±√3·gain/√" + mode + ")" : "W ~ N(0, Var)");
    auto draw = [=](const FanInfo& fan) {
      // PyTorch kaiming_*_: std = gain/√fan, gain = calculate_gain(nonlinearity, a).
      const double gain = torch_calculate_gain(nonlinearity, a.evaluate(fan));
      const double std = gain / std::sqrt(fan_by_mode(fan, mode));
      return uniform ? Draw{Shape::uniform, 0.0, kSqrt3 * std} : Draw{Shape::normal, 0.0, std};
    };
    return validated(std::make_shared<LawScheme>(canonical, formula, draw), a.is_constant());
  });
}

void register_xavier(Registry& registry, bool uniform) {
  const std::string name = uniform ? "xavier_uniform" : "xavier_normal";
  SchemeInfo info{name,
                  {{"gain", ParamKind::number, "1", {}}},
                  uniform ? "gain²·2/(fan_in+fan_out); U(±gain·√(6/(fan_in+fan_out)))"
                          : "gain²·2/(fan_in+fan_out); normal"};
  registry.add(std::move(info), [uniform](const SchemeArgs& args) {
    const std::string canonical = args.canonical();
    const Expr& gain = args.number("gain");
    const std::string formula = "Var(W) = gain²·2/(fan_in+fan_out), gain = " + gain.text() +
                                (uniform ? "; W ~ U(±√3·√Var)" : "; W ~ N(0, Var)");
    auto draw = [=](const FanInfo& fan) {
      // Glorot & Bengio 2010; PyTorch xavier_*_: std = gain·√(2/(fan_in + fan_out)).
      const double g = eval_positive(gain, fan, "gain", canonical);
      const double std = g * std::sqrt(2.0 / static_cast<double>(fan.fan_in() + fan.fan_out()));
      return uniform ? Draw{Shape::uniform, 0.0, kSqrt3 * std} : Draw{Shape::normal, 0.0, std};
    };
    return validated(std::make_shared<LawScheme>(canonical, formula, draw), gain.is_constant());
  });
}

/// JAX/Keras variance_scaling; lecun_* are variance_scaling(1, fan_in, ...) as in JAX.
LawScheme::DrawFn variance_scaling_draw(const Expr& scale, const std::string& mode,
                                        const std::string& distribution,
                                        const std::string& canonical) {
  return [=](const FanInfo& fan) {
    const double s = eval_positive(scale, fan, "scale", canonical);
    const double variance = s / fan_by_mode(fan, mode);
    if (distribution == "truncated_normal") {
      // Dividing by the std of N(0,1) truncated at ±2 makes the variance exactly scale/n.
      return Draw{Shape::truncated_normal, 0.0, std::sqrt(variance) / kTruncatedNormalStd2, 2.0};
    }
    if (distribution == "uniform") return Draw{Shape::uniform, 0.0, std::sqrt(3.0 * variance)};
    return Draw{Shape::normal, 0.0, std::sqrt(variance)};
  };
}

void register_variance_scaling(Registry& registry) {
  SchemeInfo info{
      "variance_scaling",
      {{"scale", ParamKind::number, "1", {}},
       {"mode", ParamKind::word, "fan_in", {"fan_in", "fan_out", "fan_avg", "fan_geo_avg"}},
       {"distribution",
        ParamKind::word,
        "truncated_normal",
        {"truncated_normal", "normal", "uniform"}}},
      "scale/n (n = mode); truncated_normal: σ = √(scale/n)/0.87962566 cut at ±2σ"};
  registry.add(std::move(info), [](const SchemeArgs& args) {
    const std::string canonical = args.canonical();
    const Expr& scale = args.number("scale");
    const std::string& mode = args.word("mode");
    const std::string& distribution = args.word("distribution");
    const std::string formula = "Var(W) = scale/" + mode + ", scale = " + scale.text() + "; W ~ " +
                                distribution + " (JAX/Keras semantics)";
    return validated(
        std::make_shared<LawScheme>(canonical, formula,
                                    variance_scaling_draw(scale, mode, distribution, canonical)),
        scale.is_constant());
  });
}

void register_lecun(Registry& registry, bool uniform) {
  const std::string name = uniform ? "lecun_uniform" : "lecun_normal";
  SchemeInfo info{name,
                  {},
                  uniform ? "1/fan_in; U(±√(3/fan_in))"
                          : "1/fan_in; normal truncated at ±2σ, σ = √(1/fan_in)/0.87962566 (JAX)"};
  registry.add(std::move(info), [uniform, name](const SchemeArgs& /*args*/) {
    const std::string distribution = uniform ? "uniform" : "truncated_normal";
    const std::string formula =
        "Var(W) = 1/fan_in; variance_scaling(scale=1, mode=fan_in, "
        "distribution=" +
        distribution + ")";
    return std::make_shared<LawScheme>(
        name, formula, variance_scaling_draw(Expr(1.0), "fan_in", distribution, name));
  });
}

void register_torch_default(Registry& registry) {
  SchemeInfo info{"torch_default",
                  {},
                  "1/(3·fan_in); U(±1/√fan_in) = kaiming_uniform(a=√5); bias U(±1/√fan_in)"};
  registry.add(std::move(info), [](const SchemeArgs& /*args*/) {
    // nn.Linear/nn.Conv2d reset_parameters: kaiming_uniform_(a=√5) gives gain √(1/3) and bound
    // √3·gain/√fan_in = 1/√fan_in; the bias is U(±1/√fan_in).
    auto draw = [](const FanInfo& fan) {
      return Draw{Shape::uniform, 0.0, 1.0 / std::sqrt(static_cast<double>(fan.fan_in()))};
    };
    return std::make_shared<LawScheme>(
        "torch_default",
        "Var(W) = 1/(3·fan_in); W ~ U(±1/√fan_in) (kaiming_uniform, a=√5); b ~ U(±1/√fan_in)", draw,
        draw);
  });
}

}  // namespace

void register_fan_schemes(Registry& registry) {
  register_kaiming(registry, false);
  register_kaiming(registry, true);
  register_xavier(registry, false);
  register_xavier(registry, true);
  register_lecun(registry, false);
  register_lecun(registry, true);
  register_variance_scaling(registry);
  register_torch_default(registry);
}

}  // namespace initcheck::init::detail
