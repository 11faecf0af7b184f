#pragma once
/// The interface every initialization scheme implements.

#include <Eigen/Core>
#include <limits>
#include <string>

#include "initcheck/core/fan_info.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::init {

/// The law a scheme declares for one weight entry; exact tests compare samples against it.
struct WeightLaw {
  double mean = 0.0;
  double variance = 0.0;
  /// Kurtosis E[(w−μ)⁴]/σ⁴: 3 normal, 1.8 uniform, ≈2.3655 for a normal truncated at ±2σ.
  double kurtosis = 3.0;
  /// |w − mean| ≤ support_bound almost surely (infinity when unbounded).
  double support_bound = std::numeric_limits<double>::infinity();
  /// False when entries are dependent (orthogonal) so per-entry iid tests do not apply; then
  /// mean, variance and kurtosis are averages over the entries of the matrix.
  bool independent_entries = true;
  /// False for a fixed matrix that does not mix its inputs into Gaussian pre-activations
  /// (identity): the mean-field oracle (theory::predict_trajectory) has no prediction for it.
  bool mean_field = true;
  /// True when the kernel is zero off its centre tap (⌊k/2⌋, ⌊k/2⌋) (delta_orthogonal): the
  /// centre tap's entries carry k²·variance, the others none (variance stays the average).
  bool centre_tap_only = false;
};

/// An initialization scheme: fills a weight matrix (fan_out × fan_in; conv weights OIHW
/// flattened, one output channel per row) and optionally a bias vector.
/// Implementations must be stateless and thread-safe: all randomness comes from `engine`.
class InitScheme {
 public:
  InitScheme() = default;
  InitScheme(const InitScheme&) = default;
  InitScheme(InitScheme&&) = default;
  InitScheme& operator=(const InitScheme&) = default;
  InitScheme& operator=(InitScheme&&) = default;
  virtual ~InitScheme() = default;

  /// Canonical spec string, e.g. `kaiming_normal(mode=fan_in, nonlinearity=relu, a=0)`.
  [[nodiscard]] virtual std::string name() const = 0;
  /// Variance formula as text, e.g. `Var(W) = gain²/fan_in, gain = √(2/(1+a²))`.
  [[nodiscard]] virtual std::string formula() const = 0;
  /// The declared law of each weight entry for this layer shape.
  [[nodiscard]] virtual WeightLaw weight_law(const FanInfo& fan) const = 0;
  /// Fills `weights` (fan.rows() × fan.cols()).
  virtual void fill_weights(const FanInfo& fan, Eigen::Ref<Eigen::MatrixXf> weights,
                            rng::Engine& engine) const = 0;

  /// True when the scheme initializes a bias (torch_default); otherwise layers have no bias.
  [[nodiscard]] virtual bool has_bias() const { return false; }
  /// The declared law of each bias entry (zero unless has_bias()).
  [[nodiscard]] virtual WeightLaw bias_law(const FanInfo& /*fan*/) const { return {0, 0, 3}; }
  /// Fills `bias` (fan.rows()); zeros unless overridden.
  virtual void fill_bias(const FanInfo& /*fan*/, Eigen::Ref<Eigen::VectorXf> bias,
                         rng::Engine& /*engine*/) const {
    bias.setZero();
  }
};

}  // namespace initcheck::init
