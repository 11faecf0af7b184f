/// Identity init, ZerO-style (Zhao et al. 2021): deterministic, only zeros and ±gain·c.
#include <algorithm>
#include <bit>
#include <cmath>
#include <memory>

#include "initcheck/init/detail/centre_tap.hpp"
#include "initcheck/init/detail/law_scheme.hpp"

namespace initcheck::init::detail {
namespace {

/// p = 2^⌈log₂ rows⌉, the Hadamard order of an expanding block.
std::int64_t hadamard_order(std::int64_t rows) {
  return static_cast<std::int64_t>(std::bit_ceil(static_cast<std::uint64_t>(rows)));
}

/// One block (rows × cols) of the ZerO matrix (official ZerO code, algorithm 1):
/// rows ≤ cols: the partial identity gain·I (W_ii = gain, square: the identity);
/// rows > cols: gain·H_p/√p truncated to its first rows × cols, H_p the Sylvester Hadamard
/// matrix (H_ij = (−1)^popcount(i & j)), p = 2^⌈log₂ rows⌉.
void fill_zero_block(Eigen::Ref<Eigen::MatrixXf> block, double gain) {
  const Eigen::Index rows = block.rows();
  const Eigen::Index cols = block.cols();
  if (rows <= cols) {
    block.setZero();
    for (Eigen::Index i = 0; i < rows; ++i) block(i, i) = static_cast<float>(gain);
    return;
  }
  const auto entry =
      static_cast<float>(gain / std::sqrt(static_cast<double>(hadamard_order(rows))));
  for (Eigen::Index j = 0; j < cols; ++j) {
    for (Eigen::Index i = 0; i < rows; ++i) {
      const bool odd = (std::popcount(static_cast<std::uint64_t>(i & j)) & 1) != 0;
      block(i, j) = odd ? -entry : entry;
    }
  }
}

/// The ZerO block at the centre tap of every group (fill_centre_tap), zeros elsewhere.
class IdentityScheme final : public InitScheme {
 public:
  IdentityScheme(std::string name, Expr gain) : name_(std::move(name)), gain_(std::move(gain)) {}

  [[nodiscard]] std::string name() const override { return name_; }
  [[nodiscard]] std::string formula() const override {
    return "Var(W) = gain²/(max(out, in)·k²) (entry average; expanding: gain²/(p·k²)), gain = " +
           gain_.text() +
           "; W = gain·I (out ≤ in: partial identity), out > in: gain·H_p/√p truncated, "
           "p = 2^⌈log₂ out⌉; deterministic";
  }

  /// Averages over the entries of the whole kernel (per group r = out/groups, c = in/groups):
  /// r ≤ c: r entries gain among r·c·k², so E[w²] = gain²/(c·k²) and kurtosis c·k²;
  /// r > c: all r·c centre entries ±gain/√p, so E[w²] = gain²/(p·k²) and kurtosis k².
  /// Mean 0 as for orthogonal; not mean_field: z_i = gain·h_i is no Gaussian mixture.
  [[nodiscard]] WeightLaw weight_law(const FanInfo& fan) const override {
    check_fan(fan);
    const auto taps = static_cast<double>(kernel_side(fan) * kernel_side(fan));
    const double gain = eval_positive(gain_, fan, "gain", name_);
    const std::int64_t rows = fan.out_units / fan.groups;
    const std::int64_t cols = fan.in_units / fan.groups;
    if (rows <= cols) {
      const auto c = static_cast<double>(cols);
      return WeightLaw{0.0, gain * gain / (c * taps), c * taps, gain, false, false, true};
    }
    const auto p = static_cast<double>(hadamard_order(rows));
    return WeightLaw{0.0, gain * gain / (p * taps), taps, gain / std::sqrt(p), false, false, true};
  }

  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                    rng::Engine& /*engine*/) const override {
    check_fan(fan);
    check_shape(fan, weights.rows(), weights.cols());
    const double gain = eval_positive(gain_, fan, "gain", name_);
    fill_centre_tap(fan, weights,
                    [&](Eigen::Ref<Eigen::MatrixXf> block) { fill_zero_block(block, gain); });
  }

 private:
  std::string name_;
  Expr gain_;
};

}  // namespace

void register_identity(Registry& registry) {
  registry.add(SchemeInfo{"identity",
                          {{"gain", ParamKind::number, "1", {}}},
                          "gain²/(max(out, in)·k²) (entry average); ZerO: gain·I, expanding "
                          "layers gain·Hadamard/√p; centre tap for conv; deterministic"},
               [](const SchemeArgs& args) {
                 const Expr& gain = args.number("gain");
                 return validated(std::make_shared<IdentityScheme>(args.canonical(), gain),
                                  gain.is_constant());
               });
}

}  // namespace initcheck::init::detail
