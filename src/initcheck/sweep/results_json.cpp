#include "initcheck/sweep/results_json.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <type_traits>
#include <variant>

#include "initcheck/claims/claim_id.hpp"
#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/request_fields.hpp"
#include "initcheck/core/content_hash.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/sweep/runner.hpp"

namespace initcheck::sweep {
namespace {

using nlohmann::json;
/// Written with keys in a fixed order (format first, so a results file is recognizable from
/// its first bytes); read back with the ordinary (key-sorted) type.
using ojson = nlohmann::ordered_json;

// ---------------------------------------------------------------- encoding

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
               {"predicted_drift_upper", encode_doubles(c.predicted_drift_upper)}};
}

ojson encode_info(const SweepInfo& info) {
  return ojson{{"file", info.file},
               {"seed", info.seed},
               {"cells", info.cells},
               {"fingerprint", info.fingerprint}};
}

// ---------------------------------------------------------------- decoding

/// Reads typed values out of one line, naming `source:line` and the key path on errors.
class Reader {
 public:
  Reader(const std::string& source, std::size_t line)
      : where_(source + ":" + std::to_string(line)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw InputError(where_ + ": key '" + key + "' " + message);
  }

  const json& at(const json& obj, const std::string& key, const std::string& path) const {
    if (!obj.is_object()) fail(path, "is not an object");
    const auto it = obj.find(key);
    if (it == obj.end()) fail(path.empty() ? key : path + "." + key, "is missing");
    return *it;
  }

  std::string str(const json& obj, const std::string& key, const std::string& path = "") const {
    const json& v = at(obj, key, path);
    if (!v.is_string()) fail(join(path, key), "must be a string");
    return v.get<std::string>();
  }

  bool boolean(const json& obj, const std::string& key, const std::string& path = "") const {
    const json& v = at(obj, key, path);
    if (!v.is_boolean()) fail(join(path, key), "must be true or false");
    return v.get<bool>();
  }

  template <typename Int>
  Int integer(const json& obj, const std::string& key, const std::string& path = "") const {
    return integer_value<Int>(at(obj, key, path), join(path, key));
  }

  template <typename Int>
  Int integer_value(const json& v, const std::string& name) const {
    if (!v.is_number_integer()) fail(name, "must be an integer");
    if constexpr (std::is_unsigned_v<Int>) {
      if (v.is_number_unsigned()) {
        const auto u = v.get<std::uint64_t>();
        if (u <= std::numeric_limits<Int>::max()) return static_cast<Int>(u);
      }
    } else {
      const auto s = v.get<std::int64_t>();
      if (s >= std::numeric_limits<Int>::min() && s <= std::numeric_limits<Int>::max()) {
        return static_cast<Int>(s);
      }
    }
    fail(name, "is out of range");
  }

  double number_value(const json& v, const std::string& name) const {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (s == "inf") return std::numeric_limits<double>::infinity();
      if (s == "-inf") return -std::numeric_limits<double>::infinity();
      if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    }
    fail(name, "must be a number or one of \"inf\", \"-inf\", \"nan\"");
  }

  double number(const json& obj, const std::string& key, const std::string& path = "") const {
    return number_value(at(obj, key, path), join(path, key));
  }

  std::vector<double> numbers(const json& obj, const std::string& key,
                              const std::string& path) const {
    const json& v = at(obj, key, path);
    if (!v.is_array()) fail(join(path, key), "must be a list of numbers");
    std::vector<double> out;
    out.reserve(v.size());
    for (const json& item : v) out.push_back(number_value(item, join(path, key)));
    return out;
  }

  template <typename Int>
  std::vector<Int> integers(const json& obj, const std::string& key,
                            const std::string& path) const {
    const json& v = at(obj, key, path);
    if (!v.is_array()) fail(join(path, key), "must be a list of integers");
    std::vector<Int> out;
    for (const json& item : v) out.push_back(integer_value<Int>(item, join(path, key)));
    return out;
  }

  std::vector<std::string> strings(const json& obj, const std::string& key,
                                   const std::string& path) const {
    const json& v = at(obj, key, path);
    if (!v.is_array()) fail(join(path, key), "must be a list of strings");
    std::vector<std::string> out;
    for (const json& item : v) {
      if (!item.is_string()) fail(join(path, key), "must be a list of strings");
      out.push_back(item.get<std::string>());
    }
    return out;
  }

  [[nodiscard]] const std::string& where() const { return where_; }

 private:
  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }

  std::string where_;
};

stats::Verdict parse_verdict(const Reader& r, const std::string& text) {
  for (stats::Verdict v :
       {stats::Verdict::holds, stats::Verdict::inconclusive, stats::Verdict::violated}) {
    if (stats::to_string(v) == text) return v;
  }
  r.fail("verdict", "must be holds, inconclusive or violated (got '" + text + "')");
}

claims::CheckRequest decode_request(const Reader& r, const json& line) {
  const json& j = r.at(line, "request", "");
  const std::string p = "request";
  claims::CheckRequest q;
  for (const claims::RequestField& field : claims::kRequestFields) {
    const std::string key(field.key);
    if (field.omitted_at_default && !j.contains(key)) continue;
    std::visit(
        [&](auto member) {
          auto& value = q.*member;
          using T = std::decay_t<decltype(value)>;
          if constexpr (std::is_same_v<T, std::string>) {
            value = r.str(j, key, p);
          } else if constexpr (std::is_same_v<T, double>) {
            value = r.number(j, key, p);
          } else if constexpr (std::is_integral_v<T>) {
            value = r.integer<T>(j, key, p);
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            value = r.strings(j, key, p);
          } else {
            value = r.integers<typename T::value_type>(j, key, p);
          }
        },
        field.member);
  }
  return q;
}

claims::ClaimResult decode_claim(const Reader& r, const json& j) {
  const std::string p = "claims[]";
  claims::ClaimResult c;
  try {
    c.id = claims::parse_claim(r.str(j, "id", p));
  } catch (const InputError& e) {
    throw InputError(r.where() + ": " + e.what());
  }
  c.applicable = r.boolean(j, "applicable", p);
  c.not_applicable_reason = r.str(j, "not_applicable_reason", p);
  c.verdict = parse_verdict(r, r.str(j, "verdict", p));
  c.quantity = r.str(j, "quantity", p);
  c.measured = r.number(j, "measured", p);
  const json& ci = r.at(j, "ci", p);
  c.ci.lower = r.number(ci, "lower", p + ".ci");
  c.ci.upper = r.number(ci, "upper", p + ".ci");
  c.ci.estimate = r.number(ci, "estimate", p + ".ci");
  c.ci.level = r.number(ci, "level", p + ".ci");
  c.ci.n = r.integer<std::size_t>(ci, "n", p + ".ci");
  c.predicted = r.number(j, "predicted", p);
  const json& band = r.at(j, "band", p);
  c.band.lo = r.number(band, "lo", p + ".band");
  c.band.hi = r.number(band, "hi", p + ".band");
  c.layer = r.integer<int>(j, "layer", p);
  c.first_layer = r.integer<int>(j, "first_layer", p);
  c.severity = r.number(j, "severity", p);
  c.advice = r.str(j, "advice", p);
  return c;
}

claims::LayerCurves decode_curves(const Reader& r, const json& line) {
  const json& j = r.at(line, "curves", "");
  const std::string p = "curves";
  claims::LayerCurves c;
  c.forward_std = r.numbers(j, "forward_std", p);
  c.predicted_forward_std = r.numbers(j, "predicted_forward_std", p);
  c.gradient_std = r.numbers(j, "gradient_std", p);
  c.predicted_gradient_std = r.numbers(j, "predicted_gradient_std", p);
  c.flushed_fraction = r.numbers(j, "flushed_fraction", p);
  c.subnormal_fraction = r.numbers(j, "subnormal_fraction", p);
  c.overflow_fraction = r.numbers(j, "overflow_fraction", p);
  c.drift_lower = r.numbers(j, "drift_lower", p);
  c.drift_upper = r.numbers(j, "drift_upper", p);
  c.predicted_drift_lower = r.numbers(j, "predicted_drift_lower", p);
  c.predicted_drift_upper = r.numbers(j, "predicted_drift_upper", p);
  return c;
}

SweepInfo decode_info(const Reader& r, const json& line) {
  const json& j = r.at(line, "sweep", "");
  SweepInfo info;
  info.file = r.str(j, "file", "sweep");
  info.seed = r.integer<std::uint64_t>(j, "seed", "sweep");
  info.cells = r.integer<std::size_t>(j, "cells", "sweep");
  info.fingerprint = r.str(j, "fingerprint", "sweep");
  return info;
}

std::string describe(const SweepInfo& info) {
  return "sweep '" + info.file + "', seed " + std::to_string(info.seed) + ", " +
         std::to_string(info.cells) + " cells, fingerprint " + info.fingerprint;
}

/// Checks what every line initcheck writes satisfies, so an edited line is refused even when its
/// digest was recomputed: a valid request (the validation `initcheck check` and the sweep use)
/// on every cell that ran, well-formed claims, verdicts that agree with their CIs and bands, and
/// `overall` recomputed from the claims.
///
/// A claim's verdict may be more severe than decide(ci, band) but never milder: claims made of
/// several tests (per layer, exact and linear checks) report one representative CI and combine
/// the verdicts of all tests, so exact equality is not an invariant of honest output. A claim
/// that measured nothing reports the default interval (level 0) and no verdict follows from it.
void check_consistency(const Reader& r, const CellResult& cell) {
  if (!cell.ok()) {
    if (!cell.result.claims.empty()) r.fail("claims", "must be empty on a line with an error");
  } else {
    try {
      (void)claims::make_network_config(cell.request);
      (void)claims::make_check_options(cell.request);
    } catch (const InputError& e) {
      r.fail("request", std::string("is not a valid configuration: ") + e.what());
    }
  }
  std::set<claims::ClaimId> seen;
  for (const claims::ClaimResult& c : cell.result.claims) {
    const std::string name(claims::claim_name(c.id));
    const std::string p = "claims[" + name + "].";
    if (!seen.insert(c.id).second) r.fail("claims", "lists '" + name + "' twice");
    if (std::isnan(c.band.lo) || std::isnan(c.band.hi) || c.band.lo > c.band.hi) {
      r.fail(p + "band", "must have lo <= hi and no NaN");
    }
    if (c.ci.lower > c.ci.upper) r.fail(p + "ci", "has lower > upper");
    if (!(c.ci.level >= 0.0 && c.ci.level <= 1.0)) r.fail(p + "ci.level", "must be in [0, 1]");
    if (!(c.severity >= 0.0)) r.fail(p + "severity", "must be a number >= 0");
    if (c.layer < -1 || c.first_layer < -1) r.fail(p + "layer", "must be >= -1");
    // Level 0 is no interval (nothing measured: e.g. no depth within the format's range).
    if (!c.applicable || c.ci.level == 0.0) continue;
    const stats::Verdict implied = claims::safe_decide(c.ci, c.band);
    if (stats::combine(c.verdict, implied) != c.verdict) {
      r.fail(p + "verdict", "is '" + std::string(stats::to_string(c.verdict)) +
                                "' but its CI and band give '" +
                                std::string(stats::to_string(implied)) + "'");
    }
  }
  const stats::Verdict overall = claims::overall_verdict(cell.result.claims);
  if (cell.result.overall != overall) {
    r.fail("overall", "is '" + std::string(stats::to_string(cell.result.overall)) +
                          "' but the claims' verdicts give '" +
                          std::string(stats::to_string(overall)) + "'");
  }
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

/// The line without its digest: the canonical encoding the digest is computed over.
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

}  // namespace

std::string check_to_json(const claims::CheckRequest& request, const claims::CheckResult& result,
                          const std::string& configuration) {
  ojson j{{"configuration", configuration}};
  encode_request_keys(j, request);
  j["replicates"] = result.replicates;
  j["drift_replicates"] = result.drift_replicates;
  encode_result_keys(j, result);
  return dump(j, 2);
}

std::string cell_to_json(const SweepInfo& info, const CellResult& cell) {
  std::string line = undigested_line(info, cell);
  const std::string digest = content_hash(line);
  line.pop_back();  // the closing brace: the digest is the last key
  line += ",\"digest\":\"" + digest + "\"}";
  return line;
}

void write_results_jsonl(std::ostream& out, const SweepResults& results) {
  for (const CellResult& cell : results.cells) out << cell_to_json(results.info, cell) << '\n';
}

SweepResults parse_results_jsonl(std::istream& in, const std::string& source) {
  SweepResults results;
  std::string text;
  std::size_t line_number = 0;
  bool first = true;
  while (std::getline(in, text)) {
    ++line_number;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const Reader r(source, line_number);
    json line;
    try {
      line = json::parse(text);
    } catch (const json::exception& e) {  // syntax, or a number out of range (1e999)
      throw InputError(r.where() + ": not valid JSON: " + e.what());
    }
    if (!line.is_object()) throw InputError(r.where() + ": not a JSON object");
    if (r.str(line, "format") != kResultsFormat) {
      r.fail("format",
             std::string("must be \"") + kResultsFormat + "\" (not an initcheck results file?)");
    }
    const SweepInfo info = decode_info(r, line);
    if (first) {
      results.info = info;
      first = false;
    } else if (!(info == results.info)) {
      throw InputError(r.where() + ": line belongs to " + describe(info) + ", earlier lines to " +
                       describe(results.info));
    }
    CellResult cell;
    cell.index = r.integer<std::size_t>(line, "index");
    if (cell.index >= info.cells) r.fail("index", "is beyond the sweep's cell count");
    cell.block = r.str(line, "block");
    cell.request = decode_request(r, line);
    if (line.contains("error")) cell.error = r.str(line, "error");
    cell.result.overall = parse_verdict(r, r.str(line, "overall"));
    const json& claim_list = r.at(line, "claims", "");
    if (!claim_list.is_array()) r.fail("claims", "must be a list");
    for (const json& c : claim_list) cell.result.claims.push_back(decode_claim(r, c));
    cell.result.curves = decode_curves(r, line);
    check_consistency(r, cell);
    // Last: an edit that kept the line consistent is still caught (any field, not just one).
    const std::string digest = r.str(line, "digest");
    if (digest != content_hash(undigested_line(info, cell))) {
      r.fail("digest", "does not match the line's content (edited after initcheck wrote it?)");
    }
    results.cells.push_back(std::move(cell));
  }
  std::stable_sort(results.cells.begin(), results.cells.end(),
                   [](const CellResult& a, const CellResult& b) { return a.index < b.index; });
  return results;
}

SweepResults merge_results(const std::vector<SweepResults>& parts,
                           const std::vector<std::string>& sources) {
  SweepResults merged;
  bool have_info = false;
  std::string info_source;
  std::map<std::size_t, std::string> seen;  // cell index → source
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const SweepResults& part = parts[p];
    const std::string& source = sources.at(p);
    if (part.cells.empty()) continue;
    if (!have_info) {
      merged.info = part.info;
      info_source = source;
      have_info = true;
    } else if (!(part.info == merged.info)) {
      throw InputError("cannot merge '" + source + "' (" + describe(part.info) + ") with '" +
                       info_source + "' (" + describe(merged.info) + ")");
    }
    for (const CellResult& cell : part.cells) {
      const auto [it, inserted] = seen.emplace(cell.index, source);
      if (!inserted) {
        throw InputError("cell " + std::to_string(cell.index) + " appears in both '" + it->second +
                         "' and '" + source + "'");
      }
      merged.cells.push_back(cell);
    }
  }
  if (!have_info) throw InputError("nothing to merge: the result files contain no cells");
  if (seen.size() != merged.info.cells) {
    std::size_t first_missing = 0;
    while (seen.contains(first_missing)) ++first_missing;
    throw InputError(std::to_string(merged.info.cells - seen.size()) + " of " +
                     std::to_string(merged.info.cells) + " cells are missing (first: index " +
                     std::to_string(first_missing) + "); did every shard finish?");
  }
  std::sort(merged.cells.begin(), merged.cells.end(),
            [](const CellResult& a, const CellResult& b) { return a.index < b.index; });
  // The fingerprint hashes every cell's request: it binds the requests to the sweep, across
  // shards (a line whose request was edited and its digest recomputed still fails here).
  const std::string fingerprint = results_fingerprint(merged);
  if (fingerprint != merged.info.fingerprint) {
    throw InputError("the cells' requests hash to fingerprint " + fingerprint +
                     ", not the sweep's " + merged.info.fingerprint +
                     ": a request was edited after initcheck wrote it");
  }
  return merged;
}

std::string results_fingerprint(const SweepResults& results) {
  SweepSpec spec;
  spec.seed = results.info.seed;
  for (const CellResult& cell : results.cells) {
    SweepCell& copy = spec.cells.emplace_back();
    copy.block = cell.block;
    copy.request = cell.request;
  }
  return sweep_info(spec, results.info.file).fingerprint;
}

}  // namespace initcheck::sweep
