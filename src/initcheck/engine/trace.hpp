#pragma once
/// Per-layer record of one forward (and backward) pass: the data every claim reads.
///
/// Conventions. A tensor is C × N: C features/channels (rows), N = B·H·W columns (one column
/// per sample for dense layers, per (sample, pixel) for conv). "Channel" statistics are row
/// statistics over the N columns (what training-mode BatchNorm normalizes). All moments are
/// population moments (divide by the count), accumulated in double from the stored (rounded)
/// float values. NaN/inf entries propagate into the moments; they are counted separately and
/// set Trace::nonfinite, the run never throws on them.

#include <cstdint>
#include <vector>

#include "initcheck/model/network_config.hpp"
#include "initcheck/precision/rounding.hpp"

namespace initcheck::engine {

/// Moments and summaries of one stored tensor (C × N).
struct TensorStats {
  std::int64_t rows = 0;       ///< C (features or channels)
  std::int64_t count = 0;      ///< C·N entries
  double mean = 0.0;           ///< Σx / count
  double second_moment = 0.0;  ///< Σx² / count
  double variance = 0.0;       ///< second_moment − mean²
  double min = 0.0;
  double max = 0.0;
  /// Fraction of entries with |x| < 0.25 (the course's "dead activations" chart).
  double frac_small = 0.0;
  // Channel (row) summaries; μ_c, σ_c² are the batch mean and biased variance of row c.
  double channel_sq_mean = 0.0;   ///< (1/C)Σ_c μ_c²   (NFNets signal propagation, Brock 2021)
  double channel_variance = 0.0;  ///< (1/C)Σ_c σ_c²   (NFNets)
  double max_abs_channel_mean = 0.0;  ///< max_c |μ_c|
  double min_channel_variance = 0.0;  ///< min_c σ_c²
  double max_channel_variance = 0.0;  ///< max_c σ_c²
  std::int64_t nan_count = 0;
  std::int64_t inf_count = 0;
};

/// dataset_* inputs: the input batch (as drawn, before storage rounding) against the dataset it
/// was drawn from (engine/input_data.hpp, the `batch-stats` claim). Ĉ is the dataset's population
/// correlation matrix, μ and Σ the batch mean and biased covariance. For a batch of a dataset
/// standardized with its own mean and std both forms have expectation `rank` exactly.
struct InputBatchStats {
  std::int64_t dataset_size = 0;  ///< N (0: not recorded)
  std::int64_t batch_size = 0;    ///< n, samples in the batch
  std::int64_t rank = 0;          ///< rank of Ĉ (= n0: Ĉ is positive definite)
  double mean_form = 0.0;         ///< T_m = n(N−1)/(N−n)·μᵀĈ⁻¹μ
  double covariance_form = 0.0;   ///< T_v = n(N−1)/((n−1)N)·tr(Ĉ⁻¹Σ) (0 when n < 2)
};

/// One weight layer: z = W·h_in (+b); y = norm(z) (if any); h = φ(y) (or y, see network_config).
/// Every stage is stored (rounded) in the config's precision before its statistics are taken.
/// Transformer blocks have four weight layers (model::layer_fan) whose records read the block's
/// tensors (BlockTrace::tensors): W_qkv pre = post = v (q and k only in the block record), W_o
/// attn_proj, W_1 pre mlp_up and post mlp_act (activated), W_2 mlp_down; input_second_moment
/// is the tensor each reads; no norm, per-sample norms or gradients other than grad_weight_sq.
struct LayerTrace {
  int index = 0;               ///< 0-based weight-layer index in forward order
  int block = -1;              ///< resnet/transformer: block of this layer; −1 otherwise
  bool activated = true;       ///< false for the last layer of a resnet branch (no φ applied)
  std::int64_t in_units = 0;   ///< n_in (input features / channels)
  std::int64_t out_units = 0;  ///< n_out
  std::int64_t fan_in = 0;     ///< weight-matrix columns (in/groups · k²)
  std::int64_t columns = 0;    ///< N of the output (B for dense, B·H'·W' for conv)

  double input_second_moment = 0.0;  ///< E[h_in²] over all entries of the layer input
  TensorStats pre;   ///< z = W·h_in (+b): pre-activation (pre-norm when norm is on)
  TensorStats norm;  ///< y = norm(z); only meaningful when the config has a norm
  TensorStats post;  ///< h = φ(y): the layer output (= y when !activated)
  /// BatchNorm only: max_c |σ_c²(y) − σ_c²(z)/(σ_c²(z)+ε)| (the exact output-variance law).
  double bn_max_variance_error = 0.0;

  precision::PrecisionEvents weight_events;  ///< rounding W (only with round_weights)
  precision::PrecisionEvents pre_events;     ///< rounding z
  precision::PrecisionEvents norm_events;    ///< rounding y
  precision::PrecisionEvents post_events;    ///< rounding h

  /// Per sample b (size B, empty unless TraceOptions::per_sample_norms): ‖h_{in,b}‖² and
  /// ‖z_b‖² summed over the sample's features (and pixels for conv). For dense Gaussian layers
  /// R = fan_in‖z_b‖²/(σ_w²‖h_{in,b}‖²) ~ χ²_{n_out} exactly.
  std::vector<double> input_sq_norms;
  std::vector<double> pre_sq_norms;
  /// TraceOptions::gram, dense layers: tr(HᵀH) and ‖HᵀH‖_F² of the input H (n_in × B);
  /// HᵀH is formed in float (GEMM), summed in double. Zero otherwise.
  double gram_trace = 0.0;
  double gram_frobenius_sq = 0.0;
  /// Participation ratio PR_i = (Σ_j v_ij)² / Σ_j v_ij² of unit i = 0, 1, …, with
  /// v_ij = E_b[(w_ij h_jb)²] = w_ij² E_b[h_jb²] (the share of input term j in unit i's
  /// pre-activation second moment). PR ∈ [1, fan_in]; ≈ fan_in·E[w²]²/E[w⁴] when no term
  /// dominates. Conv: j = (input channel, ky, kx), E_b over all pixels of that channel.
  std::vector<double> participation_ratio;

  // Backward (TraceOptions::backward), mean of squares over all entries, L = Σ r ⊙ output.
  double grad_post_sq = 0.0;    ///< E[(∂L/∂h)²]
  double grad_pre_sq = 0.0;     ///< E[(∂L/∂z)²]
  double grad_weight_sq = 0.0;  ///< E[(∂L/∂W)²]
  double grad_input_sq = 0.0;  ///< E[(∂L/∂h_in)²] (the layer input's gradient, through W only)
};

/// One residual block (resnet, or a transformer block: see `tensors`): x_b = x_{b−1} +
/// α·F(x_{b−1}) (norm placement none),
/// x_{b−1} + α·F(N(x_{b−1})) (pre) or N(x_{b−1} + α·F(x_{b−1})) (post).
struct BlockTrace {
  int index = 0;
  TensorStats branch_input;  ///< what F reads: N(x_{b−1}) with pre placement, else x_{b−1}
  TensorStats branch;  ///< F(x_{b−1}) before scaling by α (residual-branch variance: .variance)
  TensorStats sum;     ///< x_{b−1} + α·F before the post placement's norm (else = stream)
  TensorStats stream;  ///< x_b (stored in the config's precision)
  precision::PrecisionEvents stream_events;
  /// Rounding the pre placement's N(x_{b−1}) or the post placement's sum (else none).
  precision::PrecisionEvents norm_events;
  double grad_stream_sq = 0.0;  ///< E[(∂L/∂x_b)²]
  /// Transformer only (else empty): every stored tensor of the block in nn::BlockTensor order
  /// (attn_norm, q, k, v, attention, attn_proj, attn_sum, mlp_norm, mlp_up, mlp_act, mlp_down,
  /// mlp_sum). `branch` is mlp_down, `branch_input` the attention sub-block's input (LN(x)
  /// pre-norm, x post-norm), `sum` mlp_sum, `stream` the block output.
  std::vector<TensorStats> tensors;
};

/// The record of one network replicate.
struct Trace {
  int replicate = 0;
  TensorStats input;                    ///< h_0, the input batch
  std::vector<double> input_sq_norms;   ///< ‖h_{0,b}‖² per sample (with per_sample_norms)
  InputBatchStats input_batch;          ///< dataset_* inputs only (else dataset_size = 0)
  std::vector<LayerTrace> layers;       ///< one per weight layer, forward order
  std::vector<BlockTrace> blocks;       ///< resnet and transformer only
  TensorStats output;                   ///< the network output (last layer's post, or last stream)
  std::vector<double> output_sq_norms;  ///< ‖output_b‖² per sample (with per_sample_norms)
  /// TraceOptions::pair_cosines (else empty): index 0 = the input, d = the output of depth unit d
  /// (layer d's h for mlp/conv, the residual stream x_d for resnet); each the mean over the pairs
  /// (2i, 2i+1) of cos(v_2i, v_2i+1), v a sample's C·H·W values (an odd last sample is unpaired).
  /// A pair with both vectors 0 counts as cosine 1 (identical), with one 0 as cosine 0.
  /// Transformer: the token cosine instead — index 0 = the input tokens, b = block b's output
  /// stream; each the mean over the sequences of the mean over token pairs i < j of
  /// cos(x_i, x_j) (1 when all tokens point one way: rank collapse). Recorded in the ordinary
  /// forward pass on the batch's own tokens (no pair input).
  std::vector<double> pair_cosine;
  bool has_backward = false;
  double grad_output_sq = 0.0;  ///< E[r²] of the upstream gradient
  double grad_input_sq = 0.0;   ///< E[(∂L/∂h_0)²]
  /// True when any recorded tensor (forward or backward) contained NaN or ±inf.
  bool nonfinite = false;
};

}  // namespace initcheck::engine
