/// Schemes with explicit scales: normal, uniform, truncated_normal, zeros.
#include <cmath>
#include <memory>

#include "initcheck/core/error.hpp"
#include "initcheck/init/detail/law_scheme.hpp"

namespace initcheck::init::detail {

void register_explicit_schemes(Registry& registry) {
  registry.add(
      SchemeInfo{"normal",
                 {{"std", ParamKind::number, "", {}}, {"mean", ParamKind::number, "0", {}}},
                 "std²; N(mean, std²)"},
      [](const SchemeArgs& args) {
        const std::string canonical = args.canonical();
        const Expr& std_expr = args.number("std");
        const Expr& mean = args.number("mean");
        auto draw = [=](const FanInfo& fan) {
          return Draw{Shape::normal, mean.evaluate(fan),
                      eval_positive(std_expr, fan, "std", canonical)};
        };
        return validated(std::make_shared<LawScheme>(canonical,
                                                     "Var(W) = std², std = " + std_expr.text() +
                                                         "; W ~ N(" + mean.text() + ", std²)",
                                                     draw),
                         std_expr.is_constant() && mean.is_constant());
      });

  registry.add(
      SchemeInfo{"uniform", {{"bound", ParamKind::number, "", {}}}, "bound²/3; U(±bound)"},
      [](const SchemeArgs& args) {
        const std::string canonical = args.canonical();
        const Expr& bound = args.number("bound");
        auto draw = [=](const FanInfo& fan) {
          return Draw{Shape::uniform, 0.0, eval_positive(bound, fan, "bound", canonical)};
        };
        return validated(
            std::make_shared<LawScheme>(
                canonical, "Var(W) = bound²/3, bound = " + bound.text() + "; W ~ U(±bound)", draw),
            bound.is_constant());
      });

  registry.add(
      SchemeInfo{"truncated_normal",
                 {{"sigma", ParamKind::number, "", {}}, {"cut", ParamKind::number, "2", {}}},
                 "sigma²·(1 − 2c·φ(c)/(2Φ(c) − 1)), c = cut; N(0, sigma²) cut at ±c·sigma, no "
                 "correction"},
      [](const SchemeArgs& args) {
        const std::string canonical = args.canonical();
        const Expr& sigma = args.number("sigma");
        const Expr& cut = args.number("cut");
        auto draw = [=](const FanInfo& fan) {
          return Draw{Shape::truncated_normal, 0.0, eval_positive(sigma, fan, "sigma", canonical),
                      eval_positive(cut, fan, "cut", canonical)};
        };
        return validated(std::make_shared<LawScheme>(
                             canonical,
                             "Var(W) = sigma²·(1 − 2c·φ(c)/(2Φ(c) − 1)), sigma = " + sigma.text() +
                                 ", c = " + cut.text() + " (no variance correction)",
                             draw),
                         sigma.is_constant() && cut.is_constant());
      });

  registry.add(SchemeInfo{"zeros", {}, "0; every weight is 0"}, [](const SchemeArgs& /*args*/) {
    return std::make_shared<LawScheme>(
        "zeros", "Var(W) = 0; W = 0", [](const FanInfo& /*fan*/) { return Draw{Shape::constant}; });
  });
}

}  // namespace initcheck::init::detail
