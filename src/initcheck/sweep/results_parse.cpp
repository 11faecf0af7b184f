#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <type_traits>
#include <variant>

#include "initcheck/claims/check.hpp"
#include "initcheck/claims/claim_id.hpp"
#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/claims/request_fields.hpp"
#include "initcheck/core/content_hash.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/sweep/detail/results_line.hpp"
#include "initcheck/sweep/results_json.hpp"

namespace initcheck::sweep {
namespace {

using nlohmann::json;

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
  // Added with the `correlation` claim: results written before it have neither.
  if (j.contains("pair_cosine")) c.pair_cosine = r.numbers(j, "pair_cosine", p);
  if (j.contains("predicted_pair_cosine")) {
    c.predicted_pair_cosine = r.numbers(j, "predicted_pair_cosine", p);
  }
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

}  // namespace

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
      throw InputError(r.where() + ": line belongs to " + detail::describe_sweep(info) +
                       ", earlier lines to " + detail::describe_sweep(results.info));
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
    if (digest != content_hash(detail::undigested_line(info, cell))) {
      r.fail("digest", "does not match the line's content (edited after initcheck wrote it?)");
    }
    results.cells.push_back(std::move(cell));
  }
  std::stable_sort(results.cells.begin(), results.cells.end(),
                   [](const CellResult& a, const CellResult& b) { return a.index < b.index; });
  return results;
}

}  // namespace initcheck::sweep
