#pragma once
/// A configuration as a user writes it — `initcheck check` flags or one sweep cell — before
/// parsing. One type for both, so a sweep finding reproduces with the printed command line.
/// Its fields, flags, sweep keys and JSON keys: claims/request_fields.hpp.

#include <cstdint>
#include <string>
#include <vector>

#include "initcheck/claims/check.hpp"
#include "initcheck/model/network_config.hpp"

namespace initcheck::claims {

struct CheckRequest {
  std::string init = "kaiming_normal";  ///< init spec (README, "The command line" grammar)
  /// Directory of initialized weights, one safetensors file per seed (model/weight_files.hpp):
  /// replicate r runs file r's weights; the files set the init, arch, widths and kernel.
  /// Empty = weights drawn from `init`.
  std::string weights;
  std::string activation = "relu";
  std::string arch = "mlp";          ///< mlp | conv | resnet | transformer
  int depth = 10;                    ///< weight layers (mlp, conv) or blocks (resnet, transformer)
  std::int64_t width = 512;          ///< every layer's width (channels for conv)
  std::vector<std::int64_t> widths;  ///< n0..nL; overrides width/depth when non-empty
  std::int64_t batch = 128;
  int kernel = 3;
  int spatial = 16;
  std::string branch_scale = "1";         ///< expression over `depth` (resnet, transformer)
  std::int64_t tokens = 16;               ///< tokens per sequence (transformer)
  std::int64_t heads = 4;                 ///< attention heads (transformer)
  double mlp_ratio = 4.0;                 ///< MLP hidden width / width (transformer)
  std::string mask = "none";              ///< none | causal (transformer attention)
  std::string residual = "yes";           ///< yes | no: the sub-blocks' skips (transformer)
  std::string norm = "none";              ///< none | batchnorm | layernorm | rmsnorm
  std::string norm_placement = "none";    ///< none | pre | post (resnet, transformer)
  std::string precision = "fp32";         ///< fp32 | bf16 | fp16
  std::string input = "standard_normal";  ///< standard_normal | dataset_normalized | unnormalized
  double tolerance = 2.0;                 ///< K: std must stay within [1/K, K]
  /// Family-wise probability that a configuration on which every claim is true is reported
  /// violated (split over claims and layers; CheckOptions::alpha).
  double alpha = 1e-6;
  std::vector<std::string> claims;  ///< claim ids; empty = every applicable claim
  std::uint64_t seed = 0;
  int replicates = 0;    ///< networks to run (fixed, no sequential looks); 0 = planned
  int max_networks = 0;  ///< cap of the sequential looks; 0 = the default (384)
  double budget = 5.0;   ///< nominal seconds of compute the sequential looks may spend
  // A new field also needs its row in kRequestFields (request_fields.hpp): the flag, sweep key,
  // JSON key and reproduce command all come from there.

  friend bool operator==(const CheckRequest&, const CheckRequest&) = default;
};

/// Builds the network configuration: parses the init spec (with `gain` and `exact_gain` for
/// the activation), activation, arch, norm and its placement, precision, input and branch-scale
/// expression. With `weights`, opens the weight files instead (model/weight_files.hpp): they set
/// the arch, widths, kernel and init (GivenWeightsScheme) and `init`, `arch`, the shape and
/// `kernel` are not read. Throws InputError naming the offending flag/value (zero width,
/// depth < 1, NaN, ...).
model::NetworkConfig make_network_config(const CheckRequest& request);

/// Where the request's norm sits, for configuration text: the norm's name, and for a resnet
/// its placement ("layernorm pre (on the branch input)"); empty without a norm.
std::string describe_norm(const CheckRequest& request);

/// The check options of `request`: its claim ids (parsed, duplicates removed, order kept),
/// tolerance, alpha, seed, replicates, max_networks and budget; everything else keeps the
/// CheckOptions default. The one mapping
/// `initcheck check` and the sweep checker share. Throws InputError on an unknown claim id or
/// an alpha outside (0, 1) or a tolerance that is not a finite number > 1.
CheckOptions make_check_options(const CheckRequest& request);

/// The `initcheck check ...` command line that reproduces `request` (shell-quoted; flags that
/// equal their defaults, and flags the architecture ignores, omitted).
std::string reproduce_command(const CheckRequest& request);

}  // namespace initcheck::claims
