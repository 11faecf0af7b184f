#pragma once
/// The one table of CheckRequest fields: its key (sweep key and JSON key), `check` flag, help
/// text, member and where it applies. The `check` flags, the sweep keys, the JSON encoding of
/// requests and the reproduce command are all read off this table, so a new field is added here
/// (and to CheckRequest) and nowhere else; request_fields.cpp refuses to compile while the two
/// differ in their number of fields.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "initcheck/claims/check_request.hpp"

namespace initcheck::claims {

/// A pointer to one CheckRequest member, by the member's type.
using RequestMember =
    std::variant<std::string CheckRequest::*, int CheckRequest::*, std::int64_t CheckRequest::*,
                 std::uint64_t CheckRequest::*, double CheckRequest::*,
                 std::vector<std::int64_t> CheckRequest::*,
                 std::vector<std::string> CheckRequest::*>;

/// How a sweep file sets the field.
enum class SweepRole {
  axis,  ///< a value or a list of values (a grid axis)
  list,  ///< one list for every cell of the block (`claims`)
  none,  ///< not a sweep key (`seed`: each cell's seed derives from the master seed)
};

/// Where a field means something; elsewhere `check` refuses its flag and the reproduce command
/// omits it.
enum class Applies {
  always,
  without_widths,  ///< depth, width: the `widths` list sets both
  conv,            ///< kernel, spatial: --arch conv
  residual,        ///< branch_scale, norm_placement: --arch resnet or transformer
  transformer,     ///< tokens, heads, mlp_ratio, mask, residual: --arch transformer
};

struct RequestField {
  std::string_view key;   ///< sweep key and JSON key, e.g. "branch_scale"
  std::string_view flag;  ///< `check` flag, e.g. "--branch-scale"
  std::string_view help;  ///< the flag's --help text
  RequestMember member;
  SweepRole sweep = SweepRole::axis;
  Applies applies = Applies::always;
  /// Required by `check` and by every sweep block (init, activation); the reproduce command
  /// always shows it.
  bool required = false;
  /// Set by the weight files of `--weights` (init, arch, the shape, kernel) or meaningless with
  /// them (max_networks: no later looks): `check` refuses the flag with --weights.
  bool set_by_weights = false;
  /// Results lines omit the key at its default and read its absence as the default (`weights`,
  /// so lines written before it existed still read).
  bool omitted_at_default = false;
};

/// Every CheckRequest field, in the order of the struct (the order of JSON keys and of the
/// reproduce command's flags).
inline constexpr std::array kRequestFields{
    RequestField{"init", "--init",
                 "init spec, e.g. kaiming_normal, normal(std=0.01) or per layer role "
                 "'default=SPEC, readout=SPEC' (initcheck schemes lists the grammar; required "
                 "unless --weights)",
                 &CheckRequest::init, SweepRole::axis, Applies::always, true, true},
    RequestField{"weights", "--weights",
                 "directory of initialized weights, one safetensors file per seed (e.g. from "
                 "scripts/export_init.py): replicate r runs file r; the files set the layers "
                 "(not with --init, --arch, --depth, --width, --widths, --kernel, "
                 "--max-networks)",
                 &CheckRequest::weights, SweepRole::none, Applies::always, false, false, true},
    RequestField{"activation", "--activation",
                 "relu, leaky_relu(a), tanh, sigmoid, gelu, silu, selu, elu, softplus, mish, "
                 "linear",
                 &CheckRequest::activation, SweepRole::axis, Applies::always, true},
    RequestField{"arch", "--arch", "mlp | conv | resnet | transformer", &CheckRequest::arch,
                 SweepRole::axis, Applies::always, false, true},
    RequestField{"depth", "--depth",
                 "weight layers (mlp, conv), residual blocks (resnet) or transformer blocks",
                 &CheckRequest::depth, SweepRole::axis, Applies::without_widths, false, true},
    RequestField{"width", "--width",
                 "every layer's width (channels for conv, d_model for transformer)",
                 &CheckRequest::width, SweepRole::axis, Applies::without_widths, false, true},
    RequestField{"widths", "--widths",
                 "n0,n1,...,nL: input width then each layer's width (sets the depth L; not with "
                 "--width or --depth)",
                 &CheckRequest::widths, SweepRole::axis, Applies::always, false, true},
    RequestField{"batch", "--batch", "input batch size (transformer: sequences of --tokens tokens)",
                 &CheckRequest::batch},
    RequestField{"kernel", "--kernel", "conv kernel size (--arch conv only)", &CheckRequest::kernel,
                 SweepRole::axis, Applies::conv, false, true},
    RequestField{"spatial", "--spatial",
                 "conv input height = width (--arch conv, or Conv2d --weights, only)",
                 &CheckRequest::spatial, SweepRole::axis, Applies::conv},
    RequestField{"branch_scale", "--branch-scale",
                 "residual branch scale, an expression over depth (--arch resnet or "
                 "transformer only)",
                 &CheckRequest::branch_scale, SweepRole::axis, Applies::residual},
    RequestField{"tokens", "--tokens", "tokens per sequence (--arch transformer only)",
                 &CheckRequest::tokens, SweepRole::axis, Applies::transformer},
    RequestField{"heads", "--heads",
                 "attention heads, must divide the width (--arch transformer only)",
                 &CheckRequest::heads, SweepRole::axis, Applies::transformer},
    RequestField{"mlp_ratio", "--mlp-ratio", "MLP hidden width / width (--arch transformer only)",
                 &CheckRequest::mlp_ratio, SweepRole::axis, Applies::transformer},
    RequestField{"mask", "--mask", "attention mask: none | causal (--arch transformer only)",
                 &CheckRequest::mask, SweepRole::axis, Applies::transformer},
    RequestField{"residual", "--residual",
                 "yes | no: no drops each sub-block's skip, x_b = LN(a*F(x)) post-norm or "
                 "a*F(LN(x)) pre-norm (--arch transformer only)",
                 &CheckRequest::residual, SweepRole::axis, Applies::transformer},
    RequestField{"norm", "--norm",
                 "none | batchnorm | layernorm | rmsnorm (where it sits: --norm-placement)",
                 &CheckRequest::norm},
    RequestField{"norm_placement", "--norm-placement",
                 "resnet: where --norm sits. none = after every linear layer inside the branch "
                 "(as in mlp/conv); pre = on the branch input, x + a*F(N(x)) (pre-LN "
                 "transformers); post = after the sum, N(x + a*F(x)). pre/post need layernorm "
                 "or rmsnorm and leave the branch without norms. transformer: pre or post, "
                 "with layernorm (--arch resnet or transformer only)",
                 &CheckRequest::norm_placement, SweepRole::axis, Applies::residual},
    RequestField{"precision", "--precision", "fp32 | bf16 | fp16", &CheckRequest::precision},
    RequestField{"input", "--input",
                 "standard_normal | dataset_normalized | unnormalized | dataset_unnormalized",
                 &CheckRequest::input},
    RequestField{"tolerance", "--tolerance", "K: std within [1/K, K]", &CheckRequest::tolerance},
    RequestField{"alpha", "--alpha",
                 "family-wise level: P(a true configuration is reported violated) <= alpha",
                 &CheckRequest::alpha},
    RequestField{"claims", "--claims", "comma-separated claim ids (default: all applicable)",
                 &CheckRequest::claims, SweepRole::list},
    RequestField{"seed", "--seed", "random seed", &CheckRequest::seed, SweepRole::none},
    RequestField{"replicates", "--replicates",
                 "networks to run, fixed (0 = planned for power 0.99, then more networks for "
                 "undecided claims: sequential looks R, 2R, 4R)",
                 &CheckRequest::replicates},
    RequestField{"max_networks", "--max-networks",
                 "cap on networks for the sequential looks (0 = 384)", &CheckRequest::max_networks,
                 SweepRole::axis, Applies::always, false, true},
    RequestField{"budget", "--budget",
                 "nominal seconds of compute the sequential looks may spend (a fixed flop "
                 "count: results never depend on the machine's speed)",
                 &CheckRequest::budget},
};

/// The field whose key is `key`, or nullptr.
const RequestField* find_request_field(std::string_view key);

/// The architectures an architecture-specific Applies names, for messages: "conv", "resnet or
/// transformer", "transformer" (empty for always / without_widths).
std::string_view applies_arch(Applies applies);

/// Whether `field` means something for `request` (RequestField::applies; with weights, not
/// the fields they set).
bool field_applies(const RequestField& field, const CheckRequest& request);

/// Whether `request` holds CheckRequest{}'s value of `field`.
bool field_is_default(const RequestField& field, const CheckRequest& request);

/// The field's value as `check` reads it: lists joined with commas, doubles in the shortest
/// form that reads back exactly (1e-09, 2.5).
std::string field_text(const RequestField& field, const CheckRequest& request);

/// Sets a list field from its flag text (n0,n1,...,nL; claim ids a,b). Throws InputError
/// naming the flag on a malformed item, an out-of-range integer or an unknown claim id.
void set_list_field_text(const RequestField& field, CheckRequest& request, const std::string& text);

}  // namespace initcheck::claims
