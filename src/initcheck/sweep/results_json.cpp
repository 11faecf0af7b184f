#include "initcheck/sweep/results_json.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <variant>

#include "initcheck/claims/claim_id.hpp"
#include "initcheck/claims/request_fields.hpp"
#include "initcheck/core/content_hash.hpp"
#include "initcheck/sweep/detail/results_line.hpp"

namespace initcheck::sweep {
namespace {

/// Written with keys in a fixed order (format first, so a results file is recognizable from
/// its first bytes); read back with the ordinary (key-sorted) type (results_parse.cpp).
using ojson = nlohmann::ordered_json;

ojson encode_double(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return x;
}

ojson encode_doubles(const std::vector<double>& xs) {
  ojson out = ojson::array();
  for (double x : xs) out.push_back(encode_double(x));
  return out;
}

/// The request's fields (claims/request_fields.hpp), in the table's order (less those
/// omitted_at_default that hold their default).
ojson encode_request(const claims::CheckRequest& r) {
  ojson out = ojson::object();
  for (const claims::RequestField& field : claims::kRequestFields) {
    if (field.omitted_at_default && claims::field_is_default(field, r)) continue;
    std::visit(
        [&](auto member) {
          const auto& value = r.*member;
          if constexpr (std::is_same_v<std::decay_t<decltype(value)>, double>) {
            out[std::string(field.key)] = encode_double(value);
          } else {
            out[std::string(field.key)] = value;
          }
        },
        field.member);
  }
  return out;
}

ojson encode_claim(const claims::ClaimResult& c) {
  return ojson{{"id", std::string(claims::claim_name(c.id))},
               {"applicable", c.applicable},
               {"not_applicable_reason", c.not_applicable_reason},
               {"verdict", std::string(stats::to_string(c.verdict))},
               {"quantity", c.quantity},
               {"measured", encode_double(c.measured)},
               {"ci",
                {{"lower", encode_double(c.ci.lower)},
                 {"upper", encode_double(c.ci.upper)},
                 {"estimate", encode_double(c.ci.estimate)},
                 {"level", encode_double(c.ci.level)},
                 {"n", c.ci.n}}},
               {"predicted", encode_double(c.predicted)},
               {"band", {{"lo", encode_double(c.band.lo)}, {"hi", encode_double(c.band.hi)}}},
               {"layer", c.layer},
               {"first_layer", c.first_layer},
               {"severity", encode_double(c.severity)},
               {"advice", c.advice}};
}

ojson encode_curves(const claims::LayerCurves& c) {
  return ojson{{"forward_std", encode_doubles(c.forward_std)},
               {"predicted_forward_std", encode_doubles(c.predicted_forward_std)},
               {"gradient_std", encode_doubles(c.gradient_std)},
               {"predicted_gradient_std", encode_doubles(c.predicted_gradient_std)},
               {"flushed_fraction", encode_doubles(c.flushed_fraction)},
               {"subnormal_fraction", encode_doubles(c.subnormal_fraction)},
               {"overflow_fraction", encode_doubles(c.overflow_fraction)},
               {"drift_lower", encode_doubles(c.drift_lower)},
               {"drift_upper", encode_doubles(c.drift_upper)},
               {"predicted_drift_lower", encode_doubles(c.predicted_drift_lower)},
               {"predicted_drift_upper", encode_doubles(c.predicted_drift_upper)},
               {"pair_cosine", encode_doubles(c.pair_cosine)},
               {"predicted_pair_cosine", encode_doubles(c.predicted_pair_cosine)}};
}

ojson encode_info(const SweepInfo& info) {
  return ojson{{"file", info.file},
               {"seed", info.seed},
               {"cells", info.cells},
               {"fingerprint", info.fingerprint}};
}

/// The keys a results line shares with `initcheck check --json`: the request as fields and as
/// the reproduce command.
void encode_request_keys(ojson& j, const claims::CheckRequest& request) {
  j["request"] = encode_request(request);
  j["command"] = claims::reproduce_command(request);
}

/// The keys a results line shares with `initcheck check --json`: the verdicts and the curves.
void encode_result_keys(ojson& j, const claims::CheckResult& result) {
  j["overall"] = std::string(stats::to_string(result.overall));
  ojson claim_list = ojson::array();
  for (const claims::ClaimResult& c : result.claims) claim_list.push_back(encode_claim(c));
  j["claims"] = std::move(claim_list);
  j["curves"] = encode_curves(result.curves);
}

/// Invalid UTF-8 (e.g. in a user's init spec) is replaced rather than aborting the run.
std::string dump(const ojson& j, int indent) {
  return j.dump(indent, ' ', false, ojson::error_handler_t::replace);
}

}  // namespace

namespace detail {

std::string undigested_line(const SweepInfo& info, const CellResult& cell) {
  ojson j{{"format", kResultsFormat},
          {"sweep", encode_info(info)},
          {"index", cell.index},
          {"block", cell.block}};
  encode_request_keys(j, cell.request);
  if (!cell.ok()) j["error"] = cell.error;
  encode_result_keys(j, cell.result);
  return dump(j, -1);
}

std::string describe_sweep(const SweepInfo& info) {
  return "sweep '" + info.file + "', seed " + std::to_string(info.seed) + ", " +
         std::to_string(info.cells) + " cells, fingerprint " + info.fingerprint;
}

}  // namespace detail

std::string check_to_json(const claims::CheckRequest& request, const claims::CheckResult& result,
                          const std::string& configuration) {
  ojson j{{"configuration", configuration}};
  encode_request_keys(j, request);
  j["replicates"] = result.replicates;
  j["drift_replicates"] = result.drift_replicates;
  j["pair_replicates"] = result.pair_replicates;
  encode_result_keys(j, result);
  return dump(j, 2);
}

std::string cell_to_json(const SweepInfo& info, const CellResult& cell) {
  std::string line = detail::undigested_line(info, cell);
  const std::string digest = content_hash(line);
  line.pop_back();  // the closing brace: the digest is the last key
  line += ",\"digest\":\"" + digest + "\"}";
  return line;
}

void write_results_jsonl(std::ostream& out, const SweepResults& results) {
  for (const CellResult& cell : results.cells) out << cell_to_json(results.info, cell) << '\n';
}

}  // namespace initcheck::sweep
