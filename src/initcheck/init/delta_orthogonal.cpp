/// Delta-orthogonal init for convolutions (Xiao et al. 2018): an orthogonal matrix at the
/// kernel centre, zeros elsewhere; on a dense layer it is orthogonal (the same draws).
#include <algorithm>
#include <memory>

#include "initcheck/init/detail/centre_tap.hpp"
#include "initcheck/init/detail/law_scheme.hpp"
#include "initcheck/init/detail/orthogonal_matrix.hpp"

namespace initcheck::init::detail {
namespace {

/// Per group an independent gain·Q (fill_orthogonal) of (out/groups) × (in/groups) at the
/// centre tap; every other tap 0.
class DeltaOrthogonalScheme final : public InitScheme {
 public:
  DeltaOrthogonalScheme(std::string name, Expr gain)
      : name_(std::move(name)), gain_(std::move(gain)) {}

  [[nodiscard]] std::string name() const override { return name_; }
  [[nodiscard]] std::string formula() const override {
    return "Var(W) = gain²/(max(out, in)·k²) per group (average over entries), gain = " +
           gain_.text() + "; centre tap gain·Q (orthogonal), other taps 0";
  }

  /// The per-entry average over the whole kernel: a fraction 1/k² of the entries are entries of
  /// an orthogonal matrix (variance gain²/m, kurtosis 3m/(m+2), m = max(out, in) per group),
  /// the rest are 0.
  [[nodiscard]] WeightLaw weight_law(const FanInfo& fan) const override {
    check_fan(fan);
    const auto taps = static_cast<double>(kernel_side(fan) * kernel_side(fan));
    const double gain = eval_positive(gain_, fan, "gain", name_);
    const auto m = static_cast<double>(std::max(fan.out_units, fan.in_units) / fan.groups);
    return WeightLaw{
        0.0, gain * gain / (m * taps), taps * orthogonal_entry_kurtosis(m), gain, false, true,
        true};
  }

  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                    rng::Engine& engine) const override {
    check_fan(fan);
    check_shape(fan, weights.rows(), weights.cols());
    const double gain = eval_positive(gain_, fan, "gain", name_);
    fill_centre_tap(fan, weights, [&](Eigen::Ref<Eigen::MatrixXf> block) {
      fill_orthogonal(block, gain, engine);
    });
  }

 private:
  std::string name_;
  Expr gain_;
};

}  // namespace

void register_delta_orthogonal(Registry& registry) {
  registry.add(SchemeInfo{"delta_orthogonal",
                          {{"gain", ParamKind::number, "1", {}}},
                          "gain²/(max(out, in)·k²) (entry average); centre tap orthogonal per "
                          "group, other taps 0; dense: = orthogonal"},
               [](const SchemeArgs& args) {
                 const Expr& gain = args.number("gain");
                 return validated(std::make_shared<DeltaOrthogonalScheme>(args.canonical(), gain),
                                  gain.is_constant());
               });
}

}  // namespace initcheck::init::detail
