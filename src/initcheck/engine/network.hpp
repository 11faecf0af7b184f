#pragma once
/// A built network: weights, preallocated buffers, forward/backward passes that fill a Trace.

#include <Eigen/Core>
#include <memory>

#include "initcheck/engine/trace.hpp"
#include "initcheck/engine/trace_options.hpp"
#include "initcheck/model/network_config.hpp"
#include "initcheck/rng/engine.hpp"

namespace initcheck::engine {

/// Random-stream ids under a replicate's engine (see replicates.hpp). Weight layer l draws its
/// weights from split(l) and its bias from split(kBiasStream + l).
inline constexpr std::uint64_t kBiasStream = 1ULL << 40U;
inline constexpr std::uint64_t kInputStream = 1ULL << 48U;            ///< the input batch
inline constexpr std::uint64_t kUpstreamStream = kInputStream + 1;    ///< backward's r
inline constexpr std::uint64_t kInputScaleStream = kInputStream + 2;  ///< unnormalized scales
inline constexpr std::uint64_t kPairInputStream = kInputStream + 3;   ///< a pair run's input

/// The network of one NetworkConfig. Construction allocates everything; forward() and
/// backward() do not allocate (proved with EIGEN_RUNTIME_NO_MALLOC in the tests) once the Trace
/// passed in has been used with this network before.
///
/// Layout: tensors are C × (B·H·W), see nn/layers.hpp. The input is n0 × (B·S²) (S = 1 for
/// mlp/resnet); the output is the last layer's post-activation (mlp, conv) or the last
/// residual stream x_L (resnet); a transformer's input and output are d × B·T (B sequences of T
/// tokens; nn/transformer_block.hpp), its output the last block's. Weight layer l has W_l of
/// shape n_out × fan_in (model::layer_fan).
class Network {
 public:
  /// Validates `config`, allocates, and draws the weights from `weights` (see init_weights).
  Network(const model::NetworkConfig& config, const TraceOptions& options,
          const rng::Engine& weights);
  ~Network();
  Network(Network&& other) noexcept;
  Network& operator=(Network&& other) noexcept;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  /// Redraws all weights (and biases when the scheme has_bias()): layer l from
  /// weights.split(l), its bias from weights.split(kBiasStream + l); then rounds them to the
  /// storage format when config.round_weights.
  void init_weights(const rng::Engine& weights);

  /// Forward pass on `input` (input_rows() × input_cols()); fills the forward fields of
  /// `trace` (resizing its vectors on first use).
  void forward(const Eigen::Ref<const Eigen::MatrixXf>& input, Trace& trace);
  /// Backward pass of L = Σ upstream ⊙ output for the last forward(); needs
  /// TraceOptions::backward. Fills the gradient fields of `trace`. Computed in fp32 without
  /// rounding (rounding is treated as the identity, i.e. straight-through).
  void backward(const Eigen::Ref<const Eigen::MatrixXf>& upstream, Trace& trace);

  [[nodiscard]] const model::NetworkConfig& config() const;
  [[nodiscard]] const TraceOptions& options() const;
  /// Weight layers: model::weight_layer_count.
  [[nodiscard]] int num_layers() const;
  [[nodiscard]] Eigen::Index input_rows() const;
  [[nodiscard]] Eigen::Index input_cols() const;
  [[nodiscard]] Eigen::Index output_rows() const;
  [[nodiscard]] Eigen::Index output_cols() const;

  /// W_l (n_out × fan_in); mutable so callers (LSUV, tests) can rescale it.
  [[nodiscard]] Eigen::MatrixXf& weights(int layer);
  [[nodiscard]] const Eigen::MatrixXf& weights(int layer) const;
  /// b_l (n_out), empty when the scheme has no bias.
  [[nodiscard]] Eigen::VectorXf& bias(int layer);
  /// The last forward's output (output_rows() × output_cols()).
  [[nodiscard]] Eigen::Map<const Eigen::MatrixXf> output() const;
  /// After backward(): ∂L/∂W_l, ∂L/∂b_l (empty without bias) and ∂L/∂input.
  [[nodiscard]] const Eigen::MatrixXf& weight_grad(int layer) const;
  [[nodiscard]] const Eigen::VectorXf& bias_grad(int layer) const;
  [[nodiscard]] Eigen::Map<const Eigen::MatrixXf> input_grad() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Draws the input batch for `config` (n0 × B·S², or d × B·T for a transformer: B sequences of
/// T tokens, every token drawn like a sample) from `engine`:
/// - standard_normal: iid N(0, 1).
/// - dataset_normalized: a batch drawn without replacement from a finite correlated dataset
///   normalized per feature with the dataset's mean and std (draw_dataset_batch, input_data.hpp);
///   dataset_unnormalized: the same dataset fed raw (the failure mode of `batch-stats`).
/// - unnormalized: row j is s_j·z_j with s_j log-uniform on [1/r, r] (r = input_scale_range),
///   the scales drawn from engine.split(kInputScaleStream).
Eigen::MatrixXf make_input(const model::NetworkConfig& config, rng::Engine& engine);

/// The input of a pair run (TraceOptions::pair_cosines): replaces sample 2i+1 (its
/// `samples_hw` columns) by c·x_{2i} + √(1−c²)·x_{2i+1}, so two independent draws x, ξ of the
/// configured input become a pair with E[x·x′] = c·E[x·x] and, for zero-mean inputs, the same
/// second moments (exact for standard_normal and unnormalized inputs: the feature scales are
/// shared). Throws std::invalid_argument unless c ∈ [−1, 1].
void mix_input_pairs(Eigen::MatrixXf& input, Eigen::Index samples_hw, double c);

}  // namespace initcheck::engine
