#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <memory>
#include <string>

#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/claim_id.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/init/builtin_schemes.hpp"
#include "initcheck/init/expression.hpp"
#include "initcheck/init/registry.hpp"
#include "initcheck/init/spec_parser.hpp"
#include "initcheck/model/given_weights_scheme.hpp"
#include "initcheck/model/layer_fan.hpp"
#include "initcheck/model/weight_files.hpp"
#include "initcheck/theory/exact_gain.hpp"

namespace initcheck::claims {
namespace {

using model::NetworkConfig;

constexpr std::int64_t kMaxWidth = 1 << 16;
constexpr int kMaxDepth = 10000;
constexpr std::int64_t kMaxBatch = 1 << 20;
/// Largest activation tensor (floats) a check may allocate: 2³⁰ floats = 4 GiB.
constexpr double kMaxActivationFloats = 1u << 30;

model::Architecture parse_arch(const std::string& s) {
  if (s == "mlp") return model::Architecture::mlp;
  if (s == "conv") return model::Architecture::conv;
  if (s == "resnet") return model::Architecture::resnet;
  if (s == "transformer") return model::Architecture::transformer;
  throw InputError("unknown --arch '" + s + "'; expected one of: mlp, conv, resnet, transformer");
}

model::Norm parse_norm(const std::string& s) {
  if (s == "none") return model::Norm::none;
  if (s == "batchnorm") return model::Norm::batchnorm;
  if (s == "layernorm") return model::Norm::layernorm;
  if (s == "rmsnorm") return model::Norm::rmsnorm;
  throw InputError("unknown --norm '" + s +
                   "'; expected one of: none, batchnorm, layernorm, rmsnorm");
}

model::NormPlacement parse_norm_placement(const CheckRequest& r, model::Architecture arch,
                                          model::Norm norm) {
  const std::string& s = r.norm_placement;
  if (s == "none") return model::NormPlacement::none;
  if (s != "pre" && s != "post") {
    throw InputError("unknown --norm-placement '" + s + "'; expected one of: none, pre, post");
  }
  if (arch != model::Architecture::resnet && arch != model::Architecture::transformer) {
    throw InputError("--norm-placement " + s + " applies only to --arch resnet or transformer");
  }
  if (arch == model::Architecture::transformer && norm != model::Norm::layernorm) {
    throw InputError("--arch transformer needs --norm layernorm (got '" + r.norm +
                     "'; the block has LayerNorm only)");
  }
  if (norm != model::Norm::layernorm && norm != model::Norm::rmsnorm) {
    throw InputError("--norm-placement " + s + " needs --norm layernorm or rmsnorm (got '" +
                     r.norm + "')");
  }
  return s == "pre" ? model::NormPlacement::pre : model::NormPlacement::post;
}

model::InputKind parse_input(const std::string& s) {
  if (s == "standard_normal") return model::InputKind::standard_normal;
  if (s == "dataset_normalized") return model::InputKind::dataset_normalized;
  if (s == "unnormalized") return model::InputKind::unnormalized;
  if (s == "dataset_unnormalized") return model::InputKind::dataset_unnormalized;
  throw InputError("unknown --input '" + s +
                   "'; expected one of: standard_normal, dataset_normalized, unnormalized, "
                   "dataset_unnormalized");
}

/// Most networks --replicates and --max-networks may ask for (beyond it counts overflow and the
/// run would take days; the memory and compute guards refuse far less).
constexpr int kMaxRequestedNetworks = 1'000'000;

/// The statistical levels both make_network_config and make_check_options validate.
void check_levels(const CheckRequest& r) {
  if (!(r.alpha > 0.0 && r.alpha < 1.0)) {
    throw InputError("--alpha must be a number in (0, 1) (family-wise false-violation level)");
  }
  if (r.replicates < 0 || r.replicates == 1 || r.replicates > kMaxRequestedNetworks) {
    throw InputError("--replicates must be 0 (planned) or in [2, 1000000]");
  }
  if (r.max_networks < 0 || r.max_networks > kMaxRequestedNetworks) {
    throw InputError("--max-networks must be in [0, 1000000] (0 = default)");
  }
  if (!(std::isfinite(r.budget) && r.budget >= 0.0)) {
    throw InputError("--budget must be a finite number of seconds >= 0");
  }
  if (!(std::isfinite(r.tolerance) && r.tolerance > 1.0)) {
    throw InputError("--tolerance must be a finite number > 1 (std band [1/K, K])");
  }
}

/// Shortest text that reads back as exactly `x`.
std::string format_double(double x) {
  std::array<char, 32> buf{};
  const std::to_chars_result res = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return {buf.data(), res.ptr};
}

/// Confidence levels are doubles 1 − α′, α′ the share of α one test gets (split over claims and
/// layers, then halved or quartered): below ≈ 1e-16 it rounds to 1, so each claim-layer share
/// must be at least this (then 1 − α′/4 still resolves α′ to a few percent).
constexpr double kMinShare = 1e-14;

void check_alpha_resolvable(const CheckRequest& r, const NetworkConfig& config) {
  const std::size_t claims =
      r.claims.empty() ? kAllClaims.size() : make_check_options(r).claims.size();
  const int layers = model::weight_layer_count(config);
  const double min_alpha = kMinShare * static_cast<double>(claims) * static_cast<double>(layers);
  if (r.alpha < min_alpha) {
    throw InputError("--alpha " + format_double(r.alpha) + " is too small for " +
                     std::to_string(claims) + " claims over " + std::to_string(layers) +
                     " layers: it must be in [" + format_double(min_alpha) +
                     ", 1) (each claim-layer share >= 1e-14, the smallest level double precision "
                     "resolves)");
  }
}

/// tokens, heads, mlp_ratio, mask and residual (their defaults unless --arch transformer).
void set_transformer_fields(const CheckRequest& r, NetworkConfig& config) {
  if (r.tokens < 1 || r.tokens > 4096) {
    throw InputError("--tokens must be in [1, 4096], got " + std::to_string(r.tokens));
  }
  if (r.heads < 1 || r.heads > kMaxWidth) {
    throw InputError("--heads must be in [1, " + std::to_string(kMaxWidth) + "], got " +
                     std::to_string(r.heads));
  }
  if (!(std::isfinite(r.mlp_ratio) && r.mlp_ratio > 0.0 && r.mlp_ratio <= 64.0)) {
    throw InputError("--mlp-ratio must be a number in (0, 64]");
  }
  if (r.mask != "none" && r.mask != "causal") {
    throw InputError("unknown --mask '" + r.mask + "'; expected one of: none, causal");
  }
  if (r.residual != "yes" && r.residual != "no") {
    throw InputError("unknown --residual '" + r.residual + "'; expected one of: yes, no");
  }
  config.tokens = r.tokens;
  config.heads = r.heads;
  config.mlp_ratio = r.mlp_ratio;
  config.causal = r.mask == "causal";
  config.skip = r.residual == "yes";
}

std::vector<std::int64_t> widths_of(const CheckRequest& r) {
  if (!r.widths.empty()) {
    if (r.widths.size() < 2) {
      throw InputError("--widths needs at least two entries (input width and one layer)");
    }
    for (std::size_t i = 0; i < r.widths.size(); ++i) {
      if (r.widths[i] < 1 || r.widths[i] > kMaxWidth) {
        throw InputError("--widths entry " + std::to_string(i) + " is " +
                         std::to_string(r.widths[i]) + "; widths must be in [1, " +
                         std::to_string(kMaxWidth) + "]");
      }
    }
    return r.widths;
  }
  if (r.width < 1 || r.width > kMaxWidth) {
    throw InputError("--width must be in [1, " + std::to_string(kMaxWidth) + "], got " +
                     std::to_string(r.width));
  }
  if (r.depth < 1 || r.depth > kMaxDepth) {
    throw InputError("--depth must be in [1, " + std::to_string(kMaxDepth) + "], got " +
                     std::to_string(r.depth));
  }
  return std::vector<std::int64_t>(static_cast<std::size_t>(r.depth) + 1, r.width);
}

}  // namespace

NetworkConfig make_network_config(const CheckRequest& r) {
  NetworkConfig config;
  if (!r.weights.empty()) {  // the files set the arch, widths, kernel and init
    config.given_weights = model::WeightFiles::open(r.weights);
    config.arch = config.given_weights->arch();
    config.widths = config.given_weights->widths();
  } else {
    config.arch = parse_arch(r.arch);
    config.widths = widths_of(r);
  }
  if (static_cast<int>(config.widths.size()) - 1 > kMaxDepth) {
    throw InputError("--widths lists more than " + std::to_string(kMaxDepth) + " layers");
  }
  config.activation = nn::Activation::parse(r.activation);
  config.norm = parse_norm(r.norm);
  config.norm_placement = parse_norm_placement(r, config.arch, config.norm);
  config.precision = precision::parse_format(r.precision);
  config.input = parse_input(r.input);
  if (r.batch < 1 || r.batch > kMaxBatch) {
    throw InputError("--batch must be in [1, " + std::to_string(kMaxBatch) + "], got " +
                     std::to_string(r.batch));
  }
  config.batch = r.batch;
  if (r.kernel < 1 || r.kernel > 15) {
    throw InputError("--kernel must be in [1, 15], got " + std::to_string(r.kernel));
  }
  if (r.spatial < 1 || r.spatial > 512) {
    throw InputError("--spatial must be in [1, 512], got " + std::to_string(r.spatial));
  }
  config.kernel = config.given_weights ? config.given_weights->kernel() : r.kernel;
  config.spatial = r.spatial;
  set_transformer_fields(r, config);
  check_levels(r);

  // Activation memory guard: a check should fail fast, not exhaust the machine.
  double largest = 0;
  for (std::int64_t w : config.widths) largest = std::max(largest, static_cast<double>(w));
  const bool transformer = config.arch == model::Architecture::transformer;
  double pixels = config.arch == model::Architecture::conv
                      ? static_cast<double>(config.spatial) * config.spatial
                      : 1.0;
  if (transformer) {
    largest = std::max(largest, largest * config.mlp_ratio);
    pixels = static_cast<double>(config.tokens);
  }
  if (largest * pixels * static_cast<double>(config.batch) > kMaxActivationFloats) {
    throw InputError("configuration too large: width × batch" +
                     std::string(config.arch == model::Architecture::conv ? " × spatial²"
                                 : transformer ? " × tokens (× mlp ratio)"
                                               : "") +
                     " exceeds 2^30 values per layer");
  }

  const int depth = config.depth();
  try {
    const init::Expr scale = init::Expr::parse(r.branch_scale);
    FanInfo at_depth;
    at_depth.depth = depth;
    config.branch_scale = scale.evaluate(at_depth);
  } catch (const InputError& e) {
    throw InputError("--branch-scale '" + r.branch_scale + "': " + e.what());
  }

  if (config.given_weights) {
    config.init = std::make_shared<model::GivenWeightsScheme>(config.given_weights);
  } else {
    init::SpecContext context;
    context.exact_gain = theory::variance_preserving_gain(config.activation);
    if (const std::optional<double> g = theory::torch_gain(config.activation)) context.gain = *g;
    config.init = init::parse_init_spec(r.init, init::builtin_registry(), context);
  }
  config.validate();
  check_alpha_resolvable(r, config);
  return config;
}

std::string describe_norm(const CheckRequest& r) {
  if (r.norm == "none") return "";
  if (r.arch != "resnet" && r.arch != "transformer") return r.norm;
  if (r.arch == "transformer") {
    return r.norm + (r.norm_placement == "post" ? " post (after each residual sum)"
                                                : " pre (on each branch input)");
  }
  if (r.norm_placement == "pre") return r.norm + " pre (on the branch input)";
  if (r.norm_placement == "post") return r.norm + " post (after the residual sum)";
  return r.norm + " in the branch (after every linear layer)";
}

CheckOptions make_check_options(const CheckRequest& r) {
  check_levels(r);
  CheckOptions options;
  for (const std::string& id : r.claims) {
    const ClaimId claim = parse_claim(id);
    if (std::find(options.claims.begin(), options.claims.end(), claim) == options.claims.end()) {
      options.claims.push_back(claim);
    }
  }
  options.tolerance = r.tolerance;
  options.alpha = r.alpha;
  options.seed = r.seed;
  options.replicates = r.replicates;
  options.max_networks = r.max_networks;
  options.budget_seconds = r.budget;
  return options;
}

}  // namespace initcheck::claims
