/// `initcheck check`: checks the stability claims on one configuration (README, "The command
/// line"). Exit codes: 0 every checked claim holds, 1 a claim is violated, 2 bad input, 3
/// inconclusive.

#include <charconv>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/claim_id.hpp"
#include "initcheck/claims/claim_registry.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/core/number_format.hpp"
#include "memory_limit.hpp"

namespace initcheck::cli {
namespace {

constexpr int kExitHolds = 0;
constexpr int kExitViolated = 1;
constexpr int kExitInconclusive = 3;

std::vector<std::int64_t> parse_widths(const std::string& text) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    std::int64_t v = 0;
    const std::from_chars_result r = std::from_chars(item.data(), item.data() + item.size(), v);
    if (r.ec == std::errc::result_out_of_range) {
      throw InputError("--widths: " + item + " is out of range");
    }
    if (item.empty() || r.ec != std::errc{} || r.ptr != item.data() + item.size()) {
      throw InputError("--widths: '" + item + "' is not an integer (expected n0,n1,...,nL)");
    }
    out.push_back(v);
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> split_claims(const std::string& csv) {
  std::vector<std::string> names;
  for (claims::ClaimId id : claims::parse_claim_list(csv)) {
    names.emplace_back(claims::claim_name(id));
  }
  return names;
}

/// Every claim id, comma-separated (for --help).
std::string claim_ids() {
  std::string ids;
  for (const claims::ClaimDescriptor* claim : claims::claim_registry()) {
    ids += (ids.empty() ? "" : ", ") + std::string(claim->name);
  }
  return ids;
}

/// A value for the human output: NaN (nothing to report) as "—", never "nan"; ±inf as "inf".
std::string fmt(double x) {
  return std::isnan(x) ? "—" : format_number(x);
}

std::string interval_text(const stats::ConfidenceInterval& ci) {
  return "[" + fmt(ci.lower) + ", " + fmt(ci.upper) + "]";
}

nlohmann::json number_or_null(double x) {
  if (std::isfinite(x)) return x;
  if (std::isnan(x)) return nullptr;
  return x > 0 ? "inf" : "-inf";
}

nlohmann::json to_json(const claims::CheckRequest& request, const claims::CheckResult& result,
                       const std::string& description) {
  nlohmann::json j;
  j["configuration"] = description;
  j["reproduce"] = claims::reproduce_command(request);
  j["seed"] = request.seed;
  j["tolerance"] = request.tolerance;
  j["alpha"] = request.alpha;
  j["replicates"] = result.replicates;
  j["overall"] = std::string(stats::to_string(result.overall));
  nlohmann::json list = nlohmann::json::array();
  for (const claims::ClaimResult& r : result.claims) {
    nlohmann::json c;
    c["id"] = std::string(claims::claim_name(r.id));
    c["applicable"] = r.applicable;
    if (!r.applicable) {
      c["reason"] = r.not_applicable_reason;
    } else {
      c["verdict"] = std::string(stats::to_string(r.verdict));
      c["quantity"] = r.quantity;
      c["measured"] = number_or_null(r.measured);
      c["ci"] = {{"lower", number_or_null(r.ci.lower)},
                 {"upper", number_or_null(r.ci.upper)},
                 {"level", r.ci.level},
                 {"n", r.ci.n}};
      c["predicted"] = number_or_null(r.predicted);
      c["band"] = {{"lo", number_or_null(r.band.lo)}, {"hi", number_or_null(r.band.hi)}};
      c["layer"] = r.layer;
      c["first_layer"] = r.first_layer;
      c["severity"] = r.severity;
      c["advice"] = r.advice;
    }
    list.push_back(std::move(c));
  }
  j["claims"] = std::move(list);
  return j;
}

void print_human(std::ostream& os, const claims::CheckRequest& request,
                 const claims::CheckResult& result, const std::string& description) {
  os << "initcheck check: " << description << " — " << result.replicates << " networks, seed "
     << request.seed << "\n";
  std::vector<std::string> skipped;
  for (const claims::ClaimResult& r : result.claims) {
    const std::string name(claims::claim_name(r.id));
    if (!r.applicable) {
      if (r.not_applicable_reason.rfind("not selected", 0) == 0) continue;
      skipped.push_back(name + " (" + r.not_applicable_reason + ")");
      continue;
    }
    std::string line = "  " + name;
    line.resize(std::max<std::size_t>(line.size(), 14), ' ');
    std::string verdict(stats::to_string(r.verdict));
    verdict.resize(13, ' ');
    os << line << verdict;
    if (r.ci.level > 0.0) {
      os << fmt(r.measured) << "  CI " << interval_text(r.ci);
    } else {
      os << "not measured";  // no interval was computed (e.g. every depth skipped)
    }
    os << "  predicted " << fmt(r.predicted) << "  band [" << fmt(r.band.lo) << ", "
       << fmt(r.band.hi) << "]";
    if (r.layer > 0) os << "  layer " << r.layer;
    os << "\n      " << r.quantity << "\n";
    if (r.verdict != stats::Verdict::holds && !r.advice.empty()) {
      os << "      → " << r.advice << "\n";
    }
  }
  if (!skipped.empty()) {
    os << "  not checked:";
    for (std::size_t i = 0; i < skipped.size(); ++i) os << (i == 0 ? " " : "; ") << skipped[i];
    os << "\n";
  }
  os << "overall: " << stats::to_string(result.overall) << "\n";
  if (result.overall != stats::Verdict::holds) {
    os << "reproduce: " << claims::reproduce_command(request) << "\n";
  }
}

std::string describe(const claims::CheckRequest& r, const model::NetworkConfig& config) {
  std::ostringstream os;
  os << config.init->name() << ", " << config.activation.name() << ", " << r.arch;
  if (r.widths.empty()) {
    os << " depth " << r.depth << " width " << r.width;
  } else {
    os << " widths ";
    for (std::size_t i = 0; i < r.widths.size(); ++i) os << (i != 0 ? "," : "") << r.widths[i];
  }
  os << ", batch " << r.batch << ", " << r.precision;
  if (r.norm != "none") os << ", " << r.norm;
  if (r.input != "standard_normal") os << ", input " << r.input;
  return os.str();
}

struct CheckFlags {
  claims::CheckRequest request;
  std::string widths;
  std::string claims;
  bool json = false;
  CLI::Option* depth = nullptr;
  CLI::Option* kernel = nullptr;
  CLI::Option* spatial = nullptr;
  CLI::Option* branch_scale = nullptr;
  std::string max_memory;
  CLI::Option* max_memory_option = nullptr;
};

/// Rejects flags that would be silently ignored: --depth with --widths (the list sets the
/// depth), --kernel/--spatial without --arch conv, --branch-scale without --arch resnet.
void reject_ignored_flags(const CheckFlags& f) {
  if (f.depth->count() > 0 && !f.widths.empty()) {
    throw InputError(
        "--depth conflicts with --widths: the widths list n0,n1,...,nL sets the "
        "depth (L); give one of them");
  }
  const std::string& arch = f.request.arch;
  if (arch != "mlp" && arch != "conv" && arch != "resnet") return;  // reported as unknown later
  for (const CLI::Option* conv_only : {f.kernel, f.spatial}) {
    if (conv_only->count() > 0 && arch != "conv") {
      throw InputError(conv_only->get_name() + " applies only to --arch conv (got --arch " + arch +
                       ")");
    }
  }
  if (f.branch_scale->count() > 0 && arch != "resnet") {
    throw InputError("--branch-scale applies only to --arch resnet (got --arch " + arch + ")");
  }
}

}  // namespace

Subcommand add_check_command(CLI::App& app) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* sub = app.add_subcommand(
      "check",
      "Check the stability claims on one configuration (exit 0 holds, 1 violated, "
      "2 bad input, 3 inconclusive)");
  claims::CheckRequest& r = flags->request;
  sub->add_option("--init", r.init, "init spec, e.g. kaiming_normal or normal(std=0.01)")
      ->required();
  sub->add_option("--activation", r.activation,
                  "relu, leaky_relu(a), tanh, sigmoid, gelu, silu, "
                  "selu, elu, softplus, mish, linear")
      ->required();
  sub->add_option("--arch", r.arch, "mlp | conv | resnet")->capture_default_str();
  flags->depth =
      sub->add_option("--depth", r.depth, "weight layers (mlp, conv) or residual blocks (resnet)")
          ->capture_default_str();
  auto* width = sub->add_option("--width", r.width, "every layer's width (channels for conv)")
                    ->capture_default_str();
  sub->add_option("--widths", flags->widths,
                  "n0,n1,...,nL: input width then each layer's width (sets the depth L; "
                  "not with --width or --depth)")
      ->excludes(width);
  sub->add_option("--batch", r.batch, "input batch size")->capture_default_str();
  flags->kernel = sub->add_option("--kernel", r.kernel, "conv kernel size (--arch conv only)")
                      ->capture_default_str();
  flags->spatial =
      sub->add_option("--spatial", r.spatial, "conv input height = width (--arch conv only)")
          ->capture_default_str();
  flags->branch_scale =
      sub->add_option("--branch-scale", r.branch_scale,
                      "resnet branch scale, an expression over depth (--arch resnet only)")
          ->capture_default_str();
  sub->add_option("--norm", r.norm, "none | batchnorm | layernorm")->capture_default_str();
  sub->add_option("--precision", r.precision, "fp32 | bf16 | fp16")->capture_default_str();
  sub->add_option("--input", r.input,
                  "standard_normal | dataset_normalized | unnormalized | dataset_unnormalized")
      ->capture_default_str();
  sub->add_option("--tolerance", r.tolerance, "K: std within [1/K, K]")->capture_default_str();
  sub->add_option("--alpha", r.alpha,
                  "family-wise level: P(a true configuration is reported violated) <= alpha")
      ->capture_default_str();
  sub->add_option("--claims", flags->claims,
                  "comma-separated claim ids: " + claim_ids() + " (default: all applicable)");
  sub->add_option("--seed", r.seed, "random seed")->capture_default_str();
  sub->add_option("--replicates", r.replicates,
                  "networks to run, fixed (0 = planned for power 0.99, then more networks for "
                  "undecided claims: sequential looks R, 2R, 4R)")
      ->capture_default_str();
  sub->add_option("--max-networks", r.max_networks,
                  "cap on networks for the sequential looks (0 = 384)")
      ->capture_default_str();
  sub->add_option("--budget", r.budget,
                  "nominal seconds of compute the sequential looks may spend (a fixed flop "
                  "count: results never depend on the machine's speed)")
      ->capture_default_str();
  flags->max_memory_option =
      sub->add_option("--max-memory", flags->max_memory,
                      std::string("refuse (exit 2) a run whose estimated memory exceeds SIZE, ") +
                          kMemorySizeHelp)
          ->type_name("SIZE");
  sub->add_flag("--json", flags->json, "print the result as JSON");

  return {sub, [flags] {
            const double max_memory =
                memory_limit(flags->max_memory_option->count() > 0, flags->max_memory);
            reject_ignored_flags(*flags);
            claims::CheckRequest request = flags->request;
            if (!flags->widths.empty()) request.widths = parse_widths(flags->widths);
            if (!flags->claims.empty()) request.claims = split_claims(flags->claims);
            const model::NetworkConfig config = claims::make_network_config(request);
            claims::CheckOptions options = claims::make_check_options(request);
            options.max_memory_bytes = max_memory;
            const claims::CheckResult result = claims::check_configuration(config, options);
            const std::string description = describe(request, config);
            if (flags->json) {
              std::cout << to_json(request, result, description).dump(2) << "\n";
            } else {
              print_human(std::cout, request, result, description);
            }
            switch (result.overall) {
              case stats::Verdict::holds: return kExitHolds;
              case stats::Verdict::violated: return kExitViolated;
              case stats::Verdict::inconclusive: return kExitInconclusive;
            }
            return kExitInconclusive;
          }};
}

}  // namespace initcheck::cli
