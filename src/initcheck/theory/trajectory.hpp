#pragma once
/// Layer-by-layer mean-field prediction of second moments, forward and backward, for one
/// model::NetworkConfig — the oracle the `growth`, `variance`, `mean` and `gradient` claims
/// compare the engine's Trace against (field names mirror engine::LayerTrace).
///
/// Model (infinite width, Poole et al. 2016; He et al. 2015 for the backward pass): every
/// pre-activation is Gaussian over weights and inputs, units are independent, each weight
/// layer's law is config.init->weight_law(fan) and its bias law bias_law(fan) when
/// has_bias(). Gradients use the gradient-independence assumption (Schoenholz et al. 2017)
/// and are relative to an upstream gradient of second moment 1 (E[r²] = 1).
/// - dense: q = fan_in·(Var W·E[h²] + (E W)²·Var h) + E[b²] (+ the mean (E W·fan_in·E h)²).
/// - conv: the same per output pixel, summing only the in-bounds taps of the kernel (zero
///   padding and stride are tracked on the H×W map; statistics are averages over pixels); a
///   centre_tap_only law (delta_orthogonal) puts k²·Var W on the centre tap and 0 elsewhere.
/// - BatchNorm (per channel over batch and pixels): y has mean 0 and variance σ²/(σ²+ε) where
///   σ² is the within-channel variance of z; backward multiplies by 1/(σ²+ε) (large-batch
///   limit: the projection of BN's backward removes O(1/batch) of the gradient).
///   Between-pixel differences of channel means (borders) are neglected.
/// - LayerNorm (per sample over all features/pixels): y = (z − mean)/√(s² + ε), s² the
///   feature variance of z.
/// - RMSNorm (per sample): y = z/√(E[z²] + ε), no centring.
/// - resnet: x_b = x_{b−1} + α·F(x_{b−1}), F = block_layers dense layers, the last without φ;
///   E[x_b²] = E[x_{b−1}²] + α²E[F²] (the cross term vanishes for symmetric weight laws);
///   backward likewise (1 + α²·branch gain). Norm placement pre (F reads N(x_{b−1})): the
///   branch sees a unit-normalized input whatever the stream's size, so q_b = q_{b−1} + α²·v
///   with v = E[F²] for that input — the stream grows additively, q_L ≈ q_0 + α²·v·L. Post
///   (x_b = N(x_{b−1} + α·F)): the stream's second moment is back at 1 (RMSNorm) or its
///   variance at 1 (LayerNorm) after every block; the backward pass multiplies by the norm's
///   1/(σ² + ε) where the gradient passes it.
/// - input second moment: 1 for standard_normal and dataset_normalized inputs, and
///   (r² − r⁻²)/(4 ln r) for unnormalized features with log-uniform scales on [1/r, r].

#include <cstdint>
#include <vector>

#include "initcheck/model/network_config.hpp"

namespace initcheck::theory {

/// Prediction for one weight layer (averages over units and pixels).
struct LayerPrediction {
  int index = 0;          ///< 0-based weight-layer index (FanInfo::layer)
  int block = -1;         ///< resnet block, −1 otherwise
  bool activated = true;  ///< false for the last layer of a resnet branch
  std::int64_t fan_in = 0;
  double weight_variance = 0.0;  ///< Var(W) from the scheme's weight_law
  double weight_mean = 0.0;
  double bias_variance = 0.0;  ///< Var(b) (0 without bias)

  double input_second_moment = 0.0;  ///< E[h_in²]
  double pre_mean = 0.0;             ///< E[z]
  double pre_second_moment = 0.0;    ///< q_l = E[z²] (before any norm)
  double norm_second_moment = 0.0;   ///< E[y²], y = norm(z) (= q_l without norm)
  double post_mean = 0.0;            ///< E[h], h = φ(y)
  double post_second_moment = 0.0;   ///< E[h²]
  double gain = 0.0;                 ///< g_l = post_second_moment / input_second_moment

  double grad_post_sq = 0.0;   ///< E[(∂L/∂h)²]
  double grad_pre_sq = 0.0;    ///< E[(∂L/∂z)²]
  double grad_input_sq = 0.0;  ///< E[(∂L/∂h_in)²] through W only
  double backward_gain = 0.0;  ///< grad_input_sq / grad_post_sq
};

/// Prediction for one residual block.
struct BlockPrediction {
  int index = 0;
  double branch_input_second_moment = 0.0;  ///< what F reads: E[N(x_{b−1})²] (pre), E[x_{b−1}²]
  double branch_second_moment = 0.0;        ///< E[F(x)²]
  double sum_second_moment = 0.0;  ///< E[(x_{b−1} + α·F)²] (before the post placement's norm)
  double stream_second_moment = 0.0;  ///< E[x_b²]
  double stream_mean = 0.0;
  double gain = 0.0;            ///< E[x_b²]/E[x_{b−1}²] = 1 + α²·E[F²]/E[x_{b−1}²]
  double grad_stream_sq = 0.0;  ///< E[(∂L/∂x_b)²]
  double backward_gain = 0.0;   ///< E[(∂L/∂x_{b−1})²]/E[(∂L/∂x_b)²]
};

/// The predicted trajectory of one configuration.
struct PredictedTrajectory {
  double input_second_moment = 1.0;
  std::vector<LayerPrediction> layers;  ///< one per weight layer, forward order
  std::vector<BlockPrediction> blocks;  ///< resnet only
  double output_second_moment = 0.0;
  double grad_input_sq = 0.0;  ///< E[(∂L/∂h_0)²]
  /// False when there is no backward model (a transformer without skips): the backward fields
  /// then hold the neutral 1 (gain 1 per block), to be shown as "no prediction".
  bool backward_predicted = true;

  /// Π of the per-layer gains (mlp, conv) or per-block gains (resnet) = output/input moment.
  [[nodiscard]] double cumulative_gain() const;
  /// grad_input_sq: Π of the backward gains (per-unit gradient second moment at the input).
  [[nodiscard]] double cumulative_backward_gain() const { return grad_input_sq; }
};

/// Second moment of the network input for config.input (see the header comment).
double input_second_moment(const model::NetworkConfig& config);

/// Predicts the trajectory. Throws InputError when the config lacks an init scheme or widths,
/// or a layer's weight law is not mean_field (identity: no Gaussian pre-activations to predict).
PredictedTrajectory predict_trajectory(const model::NetworkConfig& config);

}  // namespace initcheck::theory
