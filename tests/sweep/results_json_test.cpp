#include "initcheck/sweep/results_json.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <sstream>

#include "initcheck/claims/claim_statistics.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/sweep/runner.hpp"

namespace initcheck::sweep {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

/// Doubles that must survive the round trip bit for bit (NaN: as NaN).
const std::vector<double> kTricky = {0.1,
                                     1.0 / 3.0,
                                     -0.0,
                                     5e-324,
                                     2.2250738585072014e-308,
                                     1.7976931348623157e308,
                                     -1e-300,
                                     0.87962566103423978,
                                     kInf,
                                     -kInf,
                                     kNan,
                                     1e22,
                                     123456789.0};

bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  // Bitwise: distinguishes -0.0 from 0.0.
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

void expect_same(const std::vector<double>& a, const std::vector<double>& b, const char* what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(same(a[i], b[i])) << what << "[" << i << "]: " << a[i] << " vs " << b[i];
  }
}

/// Tricky values everywhere a consistent result may hold them (verdicts agree with their CIs).
SweepResults tricky_results() {
  SweepResults r;
  r.info = {"dir with space/sweep \"q\".yaml", std::numeric_limits<std::uint64_t>::max(), 3,
            "00ff00ff00ff00ff"};
  CellResult a;
  a.index = 0;
  a.block = "block ✓ with \"quotes\", \\ and\nnewline";
  a.request.init = "normal(std=0.01)";
  a.request.widths = {784, 512, 10};
  a.request.depth = 2;  // explicit: NamesFileLineAndKeyOnBadInput edits "depth":2 in the JSON
  a.request.tolerance = 4.0 / 3.0;
  a.request.claims = {"variance", "bn-input"};
  a.request.seed = std::numeric_limits<std::uint64_t>::max() - 1;
  for (std::size_t i = 0; i < claims::kAllClaims.size(); ++i) {
    claims::ClaimResult c;
    c.id = claims::kAllClaims[i];
    c.applicable = i % 3 != 0;
    c.not_applicable_reason = c.applicable ? "" : "needs BatchNorm";
    c.quantity = "Π g_l";
    c.measured = kTricky[i];
    double lower = kTricky[(i + 1) % kTricky.size()];
    double upper = kTricky[(i + 2) % kTricky.size()];
    if (lower > upper) std::swap(lower, upper);
    c.ci = {lower, upper, kTricky[i], 1.0 - 1e-7, i * 1000};
    c.predicted = kTricky[(i + 3) % kTricky.size()];
    c.band = {-kInf, std::isnan(kTricky[i]) ? kInf : kTricky[i]};
    c.verdict =
        c.applicable ? claims::safe_decide(c.ci, c.band) : static_cast<stats::Verdict>(i % 3);
    c.layer = static_cast<int>(i) - 1;
    c.first_layer = static_cast<int>(i % 4) - 1;
    c.severity = std::fabs(kTricky[(i + 4) % kTricky.size()]);
    if (std::isnan(c.severity)) c.severity = 0.0;
    c.advice = "advice";
    a.result.claims.push_back(c);
  }
  a.result.overall = claims::overall_verdict(a.result.claims);
  a.result.curves.forward_std = kTricky;
  a.result.curves.drift_upper = kTricky;
  a.result.curves.overflow_fraction = {0.0, 1.0};
  CellResult b;
  b.index = 2;
  b.block = "b";
  b.error = "unknown activation 'rleu'";
  r.cells = {a, b};
  return r;
}

std::string write(const SweepResults& r) {
  std::ostringstream out;
  write_results_jsonl(out, r);
  return out.str();
}

SweepResults parse(const std::string& text, const std::string& source = "r.jsonl") {
  std::istringstream in(text);
  return parse_results_jsonl(in, source);
}

TEST(ResultsJson, RoundTripIsLossless) {
  const SweepResults before = tricky_results();
  const std::string text = write(before);
  const SweepResults after = parse(text);
  EXPECT_EQ(after.info, before.info);
  ASSERT_EQ(after.cells.size(), before.cells.size());
  for (std::size_t k = 0; k < before.cells.size(); ++k) {
    const CellResult& x = before.cells[k];
    const CellResult& y = after.cells[k];
    EXPECT_EQ(y.index, x.index);
    EXPECT_EQ(y.block, x.block);
    EXPECT_EQ(y.error, x.error);
    EXPECT_EQ(claims::reproduce_command(y.request), claims::reproduce_command(x.request));
    EXPECT_TRUE(same(y.request.tolerance, x.request.tolerance));
    EXPECT_EQ(y.result.overall, x.result.overall);
    ASSERT_EQ(y.result.claims.size(), x.result.claims.size());
    for (std::size_t i = 0; i < x.result.claims.size(); ++i) {
      const claims::ClaimResult& p = x.result.claims[i];
      const claims::ClaimResult& q = y.result.claims[i];
      EXPECT_EQ(q.id, p.id);
      EXPECT_EQ(q.applicable, p.applicable);
      EXPECT_EQ(q.not_applicable_reason, p.not_applicable_reason);
      EXPECT_EQ(q.verdict, p.verdict);
      EXPECT_EQ(q.quantity, p.quantity);
      EXPECT_EQ(q.layer, p.layer);
      EXPECT_EQ(q.first_layer, p.first_layer);
      EXPECT_EQ(q.advice, p.advice);
      EXPECT_EQ(q.ci.n, p.ci.n);
      expect_same({q.measured, q.ci.lower, q.ci.upper, q.ci.estimate, q.ci.level, q.predicted,
                   q.band.lo, q.band.hi, q.severity},
                  {p.measured, p.ci.lower, p.ci.upper, p.ci.estimate, p.ci.level, p.predicted,
                   p.band.lo, p.band.hi, p.severity},
                  "claim values");
    }
    expect_same(y.result.curves.forward_std, x.result.curves.forward_std, "forward_std");
    expect_same(y.result.curves.drift_upper, x.result.curves.drift_upper, "drift_upper");
    expect_same(y.result.curves.overflow_fraction, x.result.curves.overflow_fraction, "overflow");
    EXPECT_TRUE(y.result.curves.gradient_std.empty());
  }
  EXPECT_EQ(write(after), text);  // and the text is a fixed point
}

TEST(ResultsJson, RoundTripsEveryRequestField) {
  SweepResults before = tricky_results();
  claims::CheckRequest& q = before.cells[0].request;
  q.alpha = 1e-3;
  q.arch = "conv";
  q.kernel = 5;
  q.spatial = 7;
  q.branch_scale = "1/sqrt(depth)";
  q.norm = "batchnorm";
  q.precision = "bf16";
  q.input = "unnormalized";
  q.batch = 33;
  q.replicates = 7;
  q.max_networks = 99;
  q.budget = 0.25;
  const claims::CheckRequest after = parse(write(before)).cells[0].request;
  EXPECT_TRUE(same(after.alpha, 1e-3)) << after.alpha;
  EXPECT_EQ(after.init, q.init);
  EXPECT_EQ(after.activation, q.activation);
  EXPECT_EQ(after.arch, q.arch);
  EXPECT_EQ(after.depth, q.depth);
  EXPECT_EQ(after.width, q.width);
  EXPECT_EQ(after.widths, q.widths);
  EXPECT_EQ(after.batch, q.batch);
  EXPECT_EQ(after.kernel, q.kernel);
  EXPECT_EQ(after.spatial, q.spatial);
  EXPECT_EQ(after.branch_scale, q.branch_scale);
  EXPECT_EQ(after.norm, q.norm);
  EXPECT_EQ(after.precision, q.precision);
  EXPECT_EQ(after.input, q.input);
  EXPECT_TRUE(same(after.tolerance, q.tolerance));
  EXPECT_EQ(after.claims, q.claims);
  EXPECT_EQ(after.seed, q.seed);
  EXPECT_EQ(after.replicates, 7);
  EXPECT_EQ(after.max_networks, 99);
  EXPECT_TRUE(same(after.budget, 0.25));
}

TEST(ResultsJson, WritesOneSelfDescribingLinePerCell) {
  const std::string text = write(tricky_results());
  std::istringstream in(text);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_EQ(line.rfind("{\"format\":\"initcheck-results-v1\",\"sweep\":{", 0), 0U) << line;
  }
  EXPECT_EQ(lines, 2);
  EXPECT_NE(text.find("\"inf\""), std::string::npos);
  EXPECT_NE(text.find("\"nan\""), std::string::npos);
  EXPECT_EQ(text.find("null"), std::string::npos);  // nlohmann's default for non-finite values
}

std::string error_of(const std::string& text) {
  try {
    (void)parse(text, "shard.jsonl");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ResultsJson, NamesFileLineAndKeyOnBadInput) {
  const std::string good = write(tricky_results());
  const std::string first_line = good.substr(0, good.find('\n') + 1);
  EXPECT_EQ(error_of("\n{oops\n").rfind("shard.jsonl:2: not valid JSON", 0), 0U);
  EXPECT_EQ(error_of("{\"depth\":1e999}\n").rfind("shard.jsonl:1: not valid JSON", 0), 0U);
  EXPECT_EQ(error_of("[1, 2]\n"), "shard.jsonl:1: not a JSON object");
  EXPECT_NE(error_of("{\"format\":\"something-else\"}\n").find("shard.jsonl:1: key 'format'"),
            std::string::npos);
  std::string missing = first_line;
  missing.replace(missing.find("\"block\""), 7, "\"blokk\"");
  EXPECT_EQ(error_of(missing), "shard.jsonl:1: key 'block' is missing");
  std::string wrong_type = first_line;
  wrong_type.replace(wrong_type.find("\"depth\":2,"), 10, "\"depth\":\"2\",");
  EXPECT_EQ(error_of(wrong_type), "shard.jsonl:1: key 'request.depth' must be an integer");
  std::string bad_number = first_line;
  bad_number.replace(bad_number.find("\"measured\":0.1"), 14, "\"measured\":\"big\"");
  EXPECT_NE(error_of(bad_number).find("key 'claims[].measured' must be a number"),
            std::string::npos);
  std::string other_seed = good;
  other_seed.replace(other_seed.rfind("\"seed\":18446744073709551615"), 27, "\"seed\":7");
  EXPECT_NE(error_of(other_seed).find("shard.jsonl:2: line belongs to sweep"), std::string::npos);
}

SweepResults part(const SweepResults& all, std::vector<std::size_t> keep) {
  SweepResults r{all.info, {}};
  for (const CellResult& c : all.cells) {
    if (std::find(keep.begin(), keep.end(), c.index) != keep.end()) r.cells.push_back(c);
  }
  return r;
}

TEST(ResultsJson, MergeChecksCompletenessAndOrigin) {
  SweepResults all = tricky_results();
  CellResult c1 = all.cells[1];
  c1.index = 1;
  all.cells.insert(all.cells.begin() + 1, c1);
  all.info.fingerprint = results_fingerprint(all);
  const SweepResults a = part(all, {0, 2});
  const SweepResults b = part(all, {1});
  const SweepResults empty;
  const SweepResults merged = merge_results({b, empty, a}, {"b", "empty", "a"});
  ASSERT_EQ(merged.cells.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(merged.cells[i].index, i);
  EXPECT_EQ(merged.info, all.info);

  EXPECT_THROW(merge_results({a}, {"a"}), InputError);
  try {
    merge_results({a}, {"a"});
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "1 of 3 cells are missing (first: index 1); did every shard finish?");
  }
  try {
    merge_results({a, b, b}, {"a", "b1", "b2"});
    ADD_FAILURE() << "duplicate accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "cell 1 appears in both 'b1' and 'b2'");
  }
  SweepResults other = b;
  other.info.seed = 3;
  EXPECT_THROW(merge_results({a, other}, {"a", "other"}), InputError);
  EXPECT_THROW(merge_results({empty}, {"empty"}), InputError);
}

/// One honest cell that ran: `variance` violated (CI above the band), `mean` holds.
SweepResults honest_results() {
  SweepResults r;
  r.info = {"six.yaml", 7, 1, ""};
  CellResult c;
  c.block = "mlps";
  c.request.depth = 4;
  c.request.width = 16;
  c.request.claims = {"variance", "mean"};
  c.request.seed = 99;
  claims::ClaimResult variance;
  variance.id = claims::ClaimId::variance;
  variance.measured = 5.5;
  variance.ci = {5.0, 6.0, 5.5, 1.0 - 1e-7, 40};
  variance.band = {0.25, 4.0};
  variance.verdict = stats::Verdict::violated;
  variance.severity = 0.1;
  claims::ClaimResult mean = variance;
  mean.id = claims::ClaimId::mean;
  mean.measured = 0.0;
  mean.ci = {-0.1, 0.1, 0.0, 1.0 - 1e-7, 40};
  mean.band = {-0.5, 0.5};
  mean.verdict = stats::Verdict::holds;
  mean.severity = 0.0;
  c.result.claims = {variance, mean};
  c.result.overall = stats::Verdict::violated;
  r.cells = {c};
  r.info.fingerprint = results_fingerprint(r);
  return r;
}

/// The error of parsing `r` written with a correct digest after `edit` (so the consistency
/// checks, not the digest, must catch it).
template <typename Edit>
std::string error_after(Edit edit) {
  SweepResults r = honest_results();
  edit(r.cells[0]);
  return error_of(write(r));
}

TEST(ResultsJson, RefusesEditedResultsNamingLineAndKey) {
  EXPECT_NO_THROW((void)parse(write(honest_results())));
  // A verdict milder than its CI and band imply.
  EXPECT_EQ(error_after([](CellResult& c) { c.result.claims[0].verdict = stats::Verdict::holds; }),
            "shard.jsonl:1: key 'claims[variance].verdict' is 'holds' but its CI and band give "
            "'violated'");
  EXPECT_EQ(error_after([](CellResult& c) { c.result.overall = stats::Verdict::holds; }),
            "shard.jsonl:1: key 'overall' is 'holds' but the claims' verdicts give 'violated'");
  EXPECT_EQ(error_after([](CellResult& c) {
              c.result.claims[1].ci = {0.2, 0.1, 0.15, 0.9, 3};
            }),
            "shard.jsonl:1: key 'claims[mean].ci' has lower > upper");
  EXPECT_EQ(error_after([](CellResult& c) { c.result.claims[1].band.hi = kNan; }),
            "shard.jsonl:1: key 'claims[mean].band' must have lo <= hi and no NaN");
  EXPECT_EQ(error_after([](CellResult& c) { c.result.claims[1].id = claims::ClaimId::variance; }),
            "shard.jsonl:1: key 'claims' lists 'variance' twice");
  EXPECT_EQ(error_after([](CellResult& c) { c.result.claims[1].severity = -1.0; }),
            "shard.jsonl:1: key 'claims[mean].severity' must be a number >= 0");
  // Requests go through the validation `initcheck check` uses.
  const std::string depth = error_after([](CellResult& c) { c.request.depth = -5; });
  EXPECT_EQ(depth.rfind("shard.jsonl:1: key 'request' is not a valid configuration: --depth", 0),
            0U)
      << depth;
  const std::string init = error_after([](CellResult& c) { c.request.init = "bogus"; });
  EXPECT_EQ(init.rfind("shard.jsonl:1: key 'request' is not a valid configuration: ", 0), 0U)
      << init;
  EXPECT_EQ(error_after([](CellResult& c) { c.error = "it failed"; }),
            "shard.jsonl:1: key 'claims' must be empty on a line with an error");
  // A verdict more severe than its CI: honest for claims that combine several tests.
  SweepResults severe = honest_results();
  severe.cells[0].result.claims[1].verdict = stats::Verdict::inconclusive;
  EXPECT_NO_THROW((void)parse(write(severe)));
  // A claim that measured nothing: the default interval (level 0) implies no verdict.
  SweepResults unmeasured = honest_results();
  unmeasured.cells[0].result.claims[0].ci = {};
  unmeasured.cells[0].result.claims[0].verdict = stats::Verdict::inconclusive;
  unmeasured.cells[0].result.overall = stats::Verdict::inconclusive;
  EXPECT_NO_THROW((void)parse(write(unmeasured)));
}

TEST(ResultsJson, DigestBindsEveryFieldOfALine) {
  const std::string good = write(honest_results());
  std::string init = good;  // another valid init: consistent, but not what was run
  init.replace(init.find("\"init\":\"kaiming_normal\""), 23, "\"init\":\"xavier_normal\"");
  EXPECT_EQ(error_of(init),
            "shard.jsonl:1: key 'digest' does not match the line's content (edited after "
            "initcheck wrote it?)");
  std::string flipped = good;  // holds → violated: more severe, consistent, still an edit
  flipped.replace(flipped.find("\"verdict\":\"holds\""), 17, "\"verdict\":\"violated\"");
  EXPECT_NE(error_of(flipped).find("key 'digest' does not match"), std::string::npos);
  std::string no_digest = good;
  no_digest.erase(no_digest.find(",\"digest\":"), 28);
  EXPECT_EQ(error_of(no_digest), "shard.jsonl:1: key 'digest' is missing");
}

TEST(ResultsJson, MergeRefusesARequestEditedWithItsDigestRecomputed) {
  SweepResults edited = honest_results();
  edited.cells[0].request.init = "xavier_normal";  // valid, and written with a fresh digest
  const SweepResults parsed = parse(write(edited));
  try {
    (void)merge_results({parsed}, {"shard.jsonl"});
    ADD_FAILURE() << "edited request merged";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("a request was edited"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW((void)merge_results({parse(write(honest_results()))}, {"shard.jsonl"}));
}

TEST(ResultsJson, SweepPathsAreNormalized) {
  EXPECT_EQ(normalized_sweep_path("six.yaml"), "six.yaml");
  EXPECT_EQ(normalized_sweep_path("./six.yaml"), "six.yaml");
  EXPECT_EQ(normalized_sweep_path("a/./b/../six.yaml"), "a/six.yaml");
  EXPECT_EQ(normalized_sweep_path((std::filesystem::current_path() / "d" / "six.yaml").string()),
            "d/six.yaml");
  EXPECT_EQ(normalized_sweep_path("/elsewhere/six.yaml").front(), '/');
  const SweepSpec spec;
  EXPECT_EQ(sweep_info(spec, "./six.yaml"), sweep_info(spec, "six.yaml"));
}

}  // namespace
}  // namespace initcheck::sweep
