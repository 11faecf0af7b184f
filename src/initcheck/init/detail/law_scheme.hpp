#pragma once
/// Private building blocks of the built-in schemes: a scheme that draws every entry iid from a
/// per-layer distribution, validation helpers and the per-family registration functions.

#include <functional>
#include <string>
#include <string_view>

#include "initcheck/init/init_scheme.hpp"
#include "initcheck/init/registry.hpp"

namespace initcheck::init::detail {

enum class Shape { normal, uniform, truncated_normal, constant };

/// One entry's distribution: normal N(mean, scale²); uniform U(mean ± scale); truncated normal
/// N(0, scale²) conditioned on |w| ≤ cut·scale; constant = mean.
struct Draw {
  Shape shape = Shape::normal;
  double mean = 0.0;
  double scale = 0.0;
  double cut = 2.0;
};

/// The declared law of a Draw.
WeightLaw law_of(const Draw& draw);

/// Fills `out` (any strides) with iid entries of `draw`.
void fill_draw(const Draw& draw, Eigen::Ref<Eigen::MatrixXf> out, rng::Engine& engine);

/// Throws InputError unless the layer shape is valid (positive sizes, groups divide units).
void check_fan(const FanInfo& fan);
/// Throws std::invalid_argument unless `rows × cols` matches the fan's weight matrix.
void check_shape(const FanInfo& fan, Eigen::Index rows, Eigen::Index cols);

/// `expr` evaluated for `fan`; throws InputError naming `key` and `scheme` unless > 0.
double eval_positive(const Expr& expr, const FanInfo& fan, std::string_view key,
                     std::string_view scheme);

/// A scheme whose entries are iid draws from a per-layer distribution (and optionally a bias).
class LawScheme final : public InitScheme {
 public:
  using DrawFn = std::function<Draw(const FanInfo&)>;

  LawScheme(std::string name, std::string formula, DrawFn weights, DrawFn bias = {})
      : name_(std::move(name)),
        formula_(std::move(formula)),
        weights_(std::move(weights)),
        bias_(std::move(bias)) {}

  [[nodiscard]] std::string name() const override { return name_; }
  [[nodiscard]] std::string formula() const override { return formula_; }
  [[nodiscard]] WeightLaw weight_law(const FanInfo& fan) const override;
  void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                    rng::Engine& engine) const override;
  [[nodiscard]] bool has_bias() const override { return static_cast<bool>(bias_); }
  [[nodiscard]] WeightLaw bias_law(const FanInfo& fan) const override;
  void fill_bias(const FanInfo& fan, Eigen::Ref<Eigen::VectorXf> bias,
                 rng::Engine& engine) const override;

 private:
  std::string name_;
  std::string formula_;
  DrawFn weights_;
  DrawFn bias_;
};

/// When every number parameter is a constant, evaluates the scheme's law once so bad constants
/// (std=-1, gain=0) are reported at parse time rather than at fill time.
std::shared_ptr<const InitScheme> validated(std::shared_ptr<const InitScheme> scheme,
                                            bool all_constant);

void register_fan_schemes(Registry& registry);
void register_orthogonal(Registry& registry);
void register_delta_orthogonal(Registry& registry);
void register_identity(Registry& registry);
void register_explicit_schemes(Registry& registry);

}  // namespace initcheck::init::detail
