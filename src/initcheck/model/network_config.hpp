#pragma once
/// The description of one network configuration: what the engine builds, the theory oracle
/// predicts, and the claims check. Shared contract between engine/, theory/, claims/, sweep/.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "initcheck/init/init_scheme.hpp"
#include "initcheck/nn/activation.hpp"
#include "initcheck/precision/format.hpp"

namespace initcheck::model {

class WeightFiles;

enum class Architecture { mlp, conv, resnet, transformer };
/// RMSNorm: y = z/√(mean(z²) + ε) over each sample's features (no centring); LayerNorm also
/// subtracts the sample's mean first; BatchNorm normalizes each feature over the batch.
enum class Norm { none, batchnorm, layernorm, rmsnorm };
/// Where a resnet's (or transformer's) norm sits (mlp and conv: always `none`; transformer:
/// pre or post, see `tokens` below).
/// - none: after every linear layer, inside the branch (as in mlp/conv):
///   x_{b+1} = x_b + α·F(x_b) with F's layers "linear → norm → φ".
/// - pre: on the branch input, as in pre-LN transformers: x_{b+1} = x_b + α·F(N(x_b)), F
///   without norms. The stream itself is never normalized (no final norm on the output).
/// - post: after the residual sum: x_{b+1} = N(x_b + α·F(x_b)), F without norms.
enum class NormPlacement { none, pre, post };

/// What the network is fed: N(0,1) features; batches of a finite correlated dataset normalized
/// per feature with the dataset's mean and std (batches deviate only by sampling), or the same
/// dataset un-normalized (engine/input_data.hpp); or unnormalized features with very different
/// per-feature scales (log-uniform over `input_scale_range`).
enum class InputKind { standard_normal, dataset_normalized, unnormalized, dataset_unnormalized };

struct NetworkConfig {
  Architecture arch = Architecture::mlp;
  /// n0, n1, ..., nL: input width then each weight layer's output width (channels for conv).
  /// For resnet all entries are equal and L is the number of residual blocks; for transformer
  /// all entries are d_model and L is the number of transformer blocks.
  std::vector<std::int64_t> widths;
  nn::Activation activation;
  std::shared_ptr<const init::InitScheme> init;
  /// Given weights (`check --weights DIR`): run_replicates loads replicate r's weights and
  /// biases from file r instead of drawing them from `init` (then a GivenWeightsScheme stating
  /// their pooled laws). Null = drawn. arch, widths and kernel must match the files.
  std::shared_ptr<const WeightFiles> given_weights;
  Norm norm = Norm::none;  ///< where it sits: `norm_placement`
  /// none: after each linear layer, before the activation; pre/post (resnet with layernorm or
  /// rmsnorm): on the residual stream, see NormPlacement.
  NormPlacement norm_placement = NormPlacement::none;
  /// Storage format: the input, every linear output z, norm output y, activation output h and
  /// residual stream x is rounded to it before use; GEMMs accumulate in fp32; backward is fp32.
  precision::Format precision = precision::Format::fp32;
  bool round_weights = false;  ///< also store weights (and biases) in `precision`
  std::int64_t batch = 256;
  InputKind input = InputKind::standard_normal;
  double input_scale_range = 1e3;  ///< unnormalized input: scales span [1/r, r]
  double bn_eps = 1e-5;
  // conv
  int kernel = 3;
  int stride = 1;
  int padding = -1;  ///< −1 = "same" padding (kernel / 2)
  int groups = 1;
  int spatial = 16;  ///< input height = width
  // resnet (dense): x_b = x_{b−1} + branch_scale · F(x_{b−1}) (norm placement none; pre/post
  // add the norm on the stream, see NormPlacement). The branch F has block_layers
  // weight layers, each "linear → [norm] → φ" EXCEPT the last, which has no activation:
  //   F(x) = N(W_m φ(N(W_{m−1} ⋯ φ(N(W_1 x))))),  i.e. F(x) = W2 φ(W1 x) for m = 2 without norm
  // (m = 1 gives the linear branch N(W x)). No activation after the addition; the network
  // output is the last stream x_L. mlp/conv apply φ after every layer, the last one included.
  int block_layers = 2;
  double branch_scale = 1.0;  ///< α of resnet and transformer branches
  // transformer (nn/transformer_block.hpp): each block is an attention sub-block then an MLP
  // sub-block, x + α·F(LN(x)) (pre) or LN(x + α·F(x)) (post); norm must be layernorm with
  // placement pre or post. `batch` counts sequences of `tokens` tokens each (B·T columns); the
  // MLP branch is W_2 φ(W_1 u) with hidden width transformer_hidden (mlp_ratio · d).
  std::int64_t tokens = 16;  ///< T, tokens per sequence
  std::int64_t heads = 4;    ///< H; must divide d
  double mlp_ratio = 4.0;    ///< MLP hidden width / d
  bool causal = false;       ///< causal attention mask
  /// The skip of each sub-block (x + α·F); false drops it: α·F(LN(x)) pre-norm, LN(α·F(x))
  /// post-norm (a stack without residual connections).
  bool skip = true;

  /// The norm after each linear layer: `norm` with placement none, else none.
  [[nodiscard]] Norm layer_norm() const {
    return norm_placement == NormPlacement::none ? norm : Norm::none;
  }
  /// The norm on the residual stream (pre/post placement), else none.
  [[nodiscard]] Norm stream_norm() const {
    return norm_placement == NormPlacement::none ? Norm::none : norm;
  }
  /// True for architectures with a residual stream (resnet, transformer): the claims read the
  /// stream after each block (Trace::blocks) as the layer output.
  [[nodiscard]] bool residual() const {
    return arch == Architecture::resnet || arch == Architecture::transformer;
  }
  /// Columns of a tensor per sample: spatial² (conv), tokens (transformer: a sample is a
  /// sequence), else 1.
  [[nodiscard]] std::int64_t columns_per_sample() const {
    if (arch == Architecture::conv) return static_cast<std::int64_t>(spatial) * spatial;
    return arch == Architecture::transformer ? tokens : 1;
  }
  /// Number of weight layers (mlp, conv), residual blocks (resnet) or transformer blocks.
  [[nodiscard]] int depth() const { return static_cast<int>(widths.size()) - 1; }
  /// Throws InputError naming the first problem (zero width, depth 0, missing init, a layer
  /// whose weight law the init cannot give, e.g. a role without a scheme, ...).
  void validate() const;
};

/// Constant-width helper: widths = {width} × (depth + 1).
std::vector<std::int64_t> constant_widths(std::int64_t width, int depth);

}  // namespace initcheck::model
