/// `initcheck check`: checks the stability claims on one configuration (README, "The command
/// line"). Exit codes: 0 every checked claim holds, 1 a claim is violated, 2 bad input, 3
/// inconclusive.

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "commands.hpp"
#include "initcheck/claims/check.hpp"
#include "initcheck/claims/check_request.hpp"
#include "initcheck/claims/claim_id.hpp"
#include "initcheck/claims/claim_registry.hpp"
#include "initcheck/claims/request_fields.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/core/number_format.hpp"
#include "initcheck/sweep/results_json.hpp"
#include "memory_limit.hpp"

namespace initcheck::cli {
namespace {

constexpr int kExitHolds = 0;
constexpr int kExitViolated = 1;
constexpr int kExitInconclusive = 3;

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

/// The per-layer gain behind `variance`, printed whatever the verdicts (a scheme ×1.1 per layer
/// can hold at depth 10 and still explode at depth 100): the l-th root of the measured gain
/// Π_{k≤l} g_k at the depth l `variance` reports, with its CI (the same interval, at the same
/// level, mapped by x ↦ x^(1/l)).
void print_layer_gain(std::ostream& os, const claims::CheckResult& result) {
  const auto variance =
      std::find_if(result.claims.begin(), result.claims.end(),
                   [](const claims::ClaimResult& c) { return c.id == claims::ClaimId::variance; });
  os << "  per-layer gain  ";
  if (variance == result.claims.end() || !variance->applicable || variance->ci.level <= 0.0 ||
      variance->layer < 1) {
    os << "not measured (variance not checked)\n";
    return;
  }
  const double root = 1.0 / variance->layer;
  const auto per_layer = [root](double x) { return std::pow(x, root); };
  os << "×" << fmt(per_layer(variance->measured)) << "  CI [" << fmt(per_layer(variance->ci.lower))
     << ", " << fmt(per_layer(variance->ci.upper)) << "]  predicted ×"
     << fmt(per_layer(variance->predicted)) << "  (geometric mean of g_l over layers 1.."
     << variance->layer << "; 1 keeps the variance)\n";
}

void print_human(std::ostream& os, const claims::CheckRequest& request,
                 const claims::CheckResult& result, const std::string& description) {
  os << "initcheck check: " << description << " — " << result.replicates << " networks, seed "
     << request.seed << "\n";
  print_layer_gain(os, result);
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
  if (config.given_weights && r.arch == "conv") os << " kernel " << config.kernel;
  if (r.widths.empty()) {
    os << " depth " << r.depth << " width " << r.width;
  } else {
    os << " widths ";
    for (std::size_t i = 0; i < r.widths.size(); ++i) os << (i != 0 ? "," : "") << r.widths[i];
  }
  if (config.arch == model::Architecture::transformer) {
    os << ", " << r.tokens << " tokens, " << r.heads << " heads, mlp ratio " << r.mlp_ratio
       << (config.causal ? ", causal" : "") << (config.skip ? "" : ", no residual")
       << ", branch scale " << r.branch_scale;
    os << ", batch " << r.batch << " sequences, " << r.precision;
  } else {
    os << ", batch " << r.batch << ", " << r.precision;
  }
  if (r.norm != "none") os << ", " << claims::describe_norm(r);
  if (r.input != "standard_normal") os << ", input " << r.input;
  return os.str();
}

template <typename T>
constexpr bool kIsList = false;
template <typename T>
constexpr bool kIsList<std::vector<T>> = true;

struct CheckFlags {
  claims::CheckRequest request;
  /// Per row of kRequestFields: its option, and the text of a list flag (parsed after CLI11).
  std::array<CLI::Option*, claims::kRequestFields.size()> options{};
  std::array<std::string, claims::kRequestFields.size()> list_text;
  bool json = false;
  std::string max_memory;
  CLI::Option* max_memory_option = nullptr;
};

/// Rejects flags that would be silently ignored (RequestField::applies): --depth or --width with
/// --widths (the list sets both), --kernel/--spatial without --arch conv, --branch-scale without
/// --arch resnet, and with --weights the flags the files set (RequestField::set_by_weights).
/// Requires --init unless --weights is given.
void reject_ignored_flags(const CheckFlags& f, const claims::CheckRequest& request) {
  const std::string& arch = request.arch;
  const bool known_arch =
      arch == "mlp" || arch == "conv" || arch == "resnet" || arch == "transformer";
  for (std::size_t i = 0; i < claims::kRequestFields.size(); ++i) {
    const claims::RequestField& field = claims::kRequestFields[i];
    const std::string flag(field.flag);
    if (field.required && f.options[i]->count() == 0 && request.weights.empty()) {
      throw InputError(flag + " is required" +
                       (field.set_by_weights ? " (or --weights DIR)" : std::string()) +
                       " (see initcheck check --help)");
    }
    if (f.options[i]->count() == 0 || claims::field_applies(field, request)) continue;
    if (field.set_by_weights && !request.weights.empty()) {
      throw InputError(flag +
                       " conflicts with --weights: the weight files set the init, the "
                       "architecture and every layer's shape" +
                       (field.key == "max_networks" ? std::string(", and their number the networks")
                                                    : std::string()));
    }
    switch (field.applies) {
      case claims::Applies::without_widths:
        throw InputError(flag +
                         " conflicts with --widths: the widths list n0,n1,...,nL sets the "
                         "depth (L) and every width; give one of them");
      case claims::Applies::conv:
      case claims::Applies::residual:
      case claims::Applies::transformer:
        if (!known_arch) break;  // reported as unknown later
        throw InputError(flag + " applies only to --arch " +
                         std::string(claims::applies_arch(field.applies)) + " (got --arch " + arch +
                         ")");
      case claims::Applies::always: break;
    }
  }
}

}  // namespace

Subcommand add_check_command(CLI::App& app) {
  auto flags = std::make_shared<CheckFlags>();
  CLI::App* sub = app.add_subcommand(
      "check",
      "Check the stability claims on one configuration: an init scheme (--init SPEC) or your "
      "model's initialized weights, one safetensors file per seed (--weights DIR; write them "
      "with scripts/export_init.py MODULE:FACTORY --seeds R --out DIR). Exit 0 holds, 1 "
      "violated, 2 bad input, 3 inconclusive");
  for (std::size_t i = 0; i < claims::kRequestFields.size(); ++i) {
    const claims::RequestField& field = claims::kRequestFields[i];
    const std::string flag(field.flag);
    std::string help(field.help);
    if (field.key == "claims") help += "; ids: " + claim_ids();
    CLI::Option* option = std::visit(
        [&](auto member) {
          auto& value = flags->request.*member;
          if constexpr (kIsList<std::decay_t<decltype(value)>>) {
            return sub->add_option(flag, flags->list_text[i], help);  // parsed by the table
          } else {
            CLI::Option* o = sub->add_option(flag, value, help);
            if (field.required && field.set_by_weights) return o;  // or --weights: checked below
            return field.required ? o->required() : o->capture_default_str();
          }
        },
        field.member);
    flags->options[i] = option;
  }
  flags->max_memory_option =
      sub->add_option("--max-memory", flags->max_memory,
                      std::string("refuse (exit 2) a run whose estimated memory exceeds SIZE, ") +
                          kMemorySizeHelp)
          ->type_name("SIZE");
  sub->add_flag("--json", flags->json,
                "print the result as JSON: the request's fields, the reproduce command, every "
                "claim and the per-layer curves, encoded as a line of results.jsonl");

  return {sub, [flags] {
            const double max_memory =
                memory_limit(flags->max_memory_option->count() > 0, flags->max_memory);
            claims::CheckRequest request = flags->request;
            for (std::size_t i = 0; i < claims::kRequestFields.size(); ++i) {
              if (flags->list_text[i].empty()) continue;
              claims::set_list_field_text(claims::kRequestFields[i], request, flags->list_text[i]);
            }
            const bool given_weights = !request.weights.empty();
            if (given_weights) {
              request.init.clear();  // the files set the init (GivenWeightsScheme)
            } else {
              reject_ignored_flags(*flags, request);
            }
            const model::NetworkConfig config = claims::make_network_config(request);
            if (given_weights) {
              // The files set the shape: the request states it (JSON, description), and the
              // flags are checked against it (--spatial needs Conv2d weights).
              const bool conv = config.arch == model::Architecture::conv;
              request.arch = conv ? "conv" : "mlp";
              request.widths = config.widths;
              if (conv) request.kernel = config.kernel;
              reject_ignored_flags(*flags, request);
            }
            claims::CheckOptions options = claims::make_check_options(request);
            options.max_memory_bytes = max_memory;
            const claims::CheckResult result = claims::check_configuration(config, options);
            const std::string description = describe(request, config);
            if (flags->json) {
              std::cout << sweep::check_to_json(request, result, description) << "\n";
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
