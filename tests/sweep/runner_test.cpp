#include "initcheck/sweep/runner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <sstream>

#include "fake_checker.hpp"
#include "initcheck/claims/claim_id.hpp"
#include "initcheck/core/error.hpp"
#include "initcheck/sweep/cell_validation.hpp"
#include "initcheck/sweep/claims_checker.hpp"
#include "initcheck/sweep/results_json.hpp"

namespace initcheck::sweep {
namespace {

constexpr const char* kSweep = R"yaml(seed: 11
blocks:
  - name: grid
    init: [kaiming_normal, xavier_normal, "normal(std=0.01)"]
    activation: [relu, tanh]
    depth: [3, 6]
    width: 16
    precision: [fp32, fp16]
  - name: broken
    init: invalid_scheme
    activation: relu
    depth: 2
)yaml";

SweepSpec spec() {
  std::istringstream in(kSweep);
  return parse_sweep(in, "runner_test.yaml");
}

std::string jsonl(const SweepResults& results) {
  std::ostringstream out;
  write_results_jsonl(out, results);
  return out.str();
}

SweepResults run(int jobs, Shard shard = {}) {
  const SweepSpec s = spec();
  RunOptions options;
  options.jobs = jobs;
  options.shard = shard;
  return run_sweep(s, sweep_info(s, "runner_test.yaml"), testing::fake_check, options);
}

TEST(Runner, OutputDoesNotDependOnTheNumberOfThreads) {
  const std::string one = jsonl(run(1));
  EXPECT_EQ(one, jsonl(run(2)));
  EXPECT_EQ(one, jsonl(run(5)));  // more threads than cores
  EXPECT_EQ(one, jsonl(run(0)));  // all cores
}

TEST(Runner, StoresCellsByIndexWithTheirRequests) {
  const SweepSpec s = spec();
  const SweepResults results = run(2);
  ASSERT_EQ(results.cells.size(), 3U * 2U * 2U * 2U + 1U);
  for (std::size_t i = 0; i < results.cells.size(); ++i) {
    EXPECT_EQ(results.cells[i].index, i);
    EXPECT_EQ(results.cells[i].block, s.cells[i].block);
    EXPECT_EQ(claims::reproduce_command(results.cells[i].request),
              claims::reproduce_command(s.cells[i].request));
  }
  EXPECT_EQ(results.info.cells, results.cells.size());
  EXPECT_EQ(results.info.seed, 11U);
}

TEST(Runner, InvalidConfigurationsBecomeErrorRows) {
  const SweepResults results = run(2);
  const CellResult& broken = results.cells.back();
  EXPECT_FALSE(broken.ok());
  EXPECT_EQ(broken.error, "unknown init scheme 'invalid_scheme'");
  EXPECT_TRUE(broken.result.claims.empty());
  for (std::size_t i = 0; i + 1 < results.cells.size(); ++i) EXPECT_TRUE(results.cells[i].ok());
}

// Issue #13 item 1: a cell whose check fails with an internal error (a bug) used to abort the
// whole sweep, so `report` wrote nothing. It is now a failing row and the other cells are kept.
TEST(Runner, InternalErrorsAreFailingCellsAndTheOthersAreKept) {
  std::istringstream in(
      "blocks:\n  - {init: [kaiming_normal, crash, xavier_normal], activation: relu}\n");
  const SweepSpec s = parse_sweep(in, "crash.yaml");
  for (int jobs : {1, 2}) {
    RunOptions options;
    options.jobs = jobs;
    const SweepResults r = run_sweep(s, sweep_info(s, "crash.yaml"), testing::fake_check, options);
    ASSERT_EQ(r.cells.size(), 3U);
    EXPECT_TRUE(r.cells[0].ok());
    EXPECT_EQ(r.cells[1].error, "internal error: checker bug");
    EXPECT_TRUE(r.cells[1].internal);
    EXPECT_TRUE(r.cells[2].ok());
    EXPECT_FALSE(r.cells[2].internal);
  }
}

// Issue #13 item 5 (`report --allow-invalid`): cells marked invalid are recorded, never run.
TEST(Runner, InvalidCellsAreRecordedNotRun) {
  SweepSpec s = spec();
  s.cells[1].invalid = "marked invalid";
  std::atomic<int> calls{0};
  const Checker counting = [&calls](const claims::CheckRequest& r) {
    ++calls;
    return testing::fake_check(r);
  };
  const SweepResults r = run_sweep(s, sweep_info(s, "f.yaml"), counting, {});
  EXPECT_EQ(calls.load(), static_cast<int>(s.cells.size()) - 1);
  EXPECT_EQ(r.cells[1].error, "marked invalid");
  EXPECT_FALSE(r.cells[1].internal);
  EXPECT_TRUE(r.cells[0].ok());
}

TEST(Runner, ShardsPartitionTheCells) {
  const std::size_t total = run(1).cells.size();
  std::set<std::size_t> seen;
  for (int i = 1; i <= 3; ++i) {
    const SweepResults part = run(2, {i, 3});
    EXPECT_EQ(part.info.cells, total);
    for (const CellResult& c : part.cells) {
      EXPECT_EQ(c.index % 3, static_cast<std::size_t>(i - 1));
      EXPECT_TRUE(seen.insert(c.index).second);
    }
  }
  EXPECT_EQ(seen.size(), total);
  // More shards than cells: the extra shards are empty, not an error.
  EXPECT_TRUE(run(1, {30, 30}).cells.empty());
}

TEST(Runner, ParsesShards) {
  const Shard s = parse_shard("2/4");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
  EXPECT_TRUE(s.contains(5));
  EXPECT_FALSE(s.contains(4));
  for (const char* bad :
       {"0/3", "4/3", "x", "1/0", "1/", "/3", "1/3/", "-1/3", " 1/3", "1/3x", ""}) {
    EXPECT_THROW(parse_shard(bad), InputError) << bad;
  }
  try {
    parse_shard("4/3");
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("'4/3'"), std::string::npos) << e.what();
  }
}

TEST(Runner, ReseedRecomputesEveryCellSeed) {
  SweepSpec s = spec();
  const SweepInfo before = sweep_info(s, "f.yaml");
  EXPECT_EQ(before, sweep_info(spec(), "f.yaml"));
  EXPECT_EQ(before.fingerprint.size(), 16U);
  reseed(s, 12345);
  EXPECT_EQ(s.seed, 12345U);
  for (const SweepCell& c : s.cells) EXPECT_EQ(c.request.seed, cell_seed(12345, c.request));
  EXPECT_NE(s.cells[0].request.seed, spec().cells[0].request.seed);
  EXPECT_NE(sweep_info(s, "f.yaml").fingerprint, before.fingerprint);
}

TEST(Runner, DrawsAProgressBarOnlyWhenAsked) {
  const SweepSpec s = spec();
  std::ostringstream bar;
  RunOptions options;
  options.jobs = 2;
  options.progress = &bar;
  (void)run_sweep(s, sweep_info(s, ""), testing::fake_check, options);
  const std::string text = bar.str();
  EXPECT_NE(text.find("\rinitcheck: ["), std::string::npos);
  EXPECT_NE(text.find("] 25/25 cells\n"), std::string::npos);
}

/// The production checker maps the whole cell onto CheckOptions: a cell's `alpha` reaches the
/// claims (it used to be dropped, so every sweep cell ran at the default 1e-6).
TEST(ClaimsChecker, ChecksAtTheCellsAlpha) {
  std::istringstream in(
      "blocks:\n  - {init: kaiming_normal, activation: relu, depth: 2, width: 8, batch: 8,\n"
      "     claims: [variance], alpha: 1e-3}\n");
  const SweepSpec s = parse_sweep(in, "alpha.yaml");
  ASSERT_EQ(s.cells.size(), 1U);
  const claims::CheckRequest& request = s.cells[0].request;
  ASSERT_EQ(request.alpha, 1e-3);

  const claims::CheckResult got = claims_checker()(request);
  claims::CheckOptions at_alpha;
  at_alpha.claims = {claims::ClaimId::variance};
  at_alpha.tolerance = request.tolerance;
  at_alpha.seed = request.seed;
  at_alpha.threads = 1;
  at_alpha.alpha = 1e-3;
  const model::NetworkConfig config = claims::make_network_config(request);
  const claims::CheckResult want = claims::check_configuration(config, at_alpha);
  at_alpha.alpha = claims::CheckOptions{}.alpha;
  const claims::CheckResult at_default = claims::check_configuration(config, at_alpha);

  const auto level = [](const claims::CheckResult& r) {
    for (const claims::ClaimResult& c : r.claims) {
      if (c.id == claims::ClaimId::variance) return c.ci.level;
    }
    return -1.0;
  };
  EXPECT_EQ(level(got), level(want));
  EXPECT_NE(level(got), level(at_default));
  EXPECT_GT(1.0 - level(got), 1e-4);  // the claim's share of 1e-3, not of 1e-6

  // And the results file says which alpha the cell was checked at.
  const SweepResults results = run_sweep(s, sweep_info(s, "alpha.yaml"), claims_checker(), {});
  std::ostringstream out;
  write_results_jsonl(out, results);
  std::istringstream back(out.str());
  const SweepResults parsed = parse_results_jsonl(back, "alpha.jsonl");
  ASSERT_EQ(parsed.cells.size(), 1U);
  EXPECT_EQ(parsed.cells[0].request.alpha, 1e-3);
  EXPECT_EQ(level(parsed.cells[0].result), level(want));
}

/// Real results pass the consistency checks of parse_results_jsonl, including claims that
/// measured nothing (no depth within the format's range: the default interval, level 0, with an
/// inconclusive verdict although [0, 0] lies outside the band).
TEST(ClaimsChecker, ResultsThatMeasuredNothingParseBack) {
  std::istringstream in(R"yaml(blocks:
  - init: zeros
    activation: leaky_relu(0.2)
    depth: 40
    width: 16
    batch: 16
    claims: [variance, growth]
  - init: normal(std=30)
    activation: relu
    precision: fp16
    depth: 30
    width: 16
    batch: 16
    claims: [variance, growth]
)yaml");
  const SweepSpec s = parse_sweep(in, "nothing.yaml");
  const SweepResults results = run_sweep(s, sweep_info(s, "nothing.yaml"), claims_checker(), {});
  std::size_t unmeasured = 0;
  for (const CellResult& cell : results.cells) {
    ASSERT_TRUE(cell.ok()) << cell.error;
    for (const claims::ClaimResult& c : cell.result.claims) {
      if (c.applicable && c.ci.level == 0.0) {
        ++unmeasured;
        EXPECT_EQ(c.verdict, stats::Verdict::inconclusive);
      }
    }
  }
  EXPECT_GE(unmeasured, 2U);  // the case this test is about occurs
  std::ostringstream out;
  write_results_jsonl(out, results);
  std::istringstream back(out.str());
  EXPECT_EQ(parse_results_jsonl(back, "nothing.jsonl").cells.size(), 2U);
}

/// make_check_options carries every request field CheckOptions has.
TEST(ClaimsChecker, MakeCheckOptionsMapsTheRequest) {
  claims::CheckRequest r;
  r.claims = {"drift", "variance", "drift"};
  r.tolerance = 3.0;
  r.alpha = 1e-4;
  r.seed = 42;
  const claims::CheckOptions o = claims::make_check_options(r);
  EXPECT_EQ(o.claims,
            (std::vector<claims::ClaimId>{claims::ClaimId::drift, claims::ClaimId::variance}));
  EXPECT_EQ(o.tolerance, 3.0);
  EXPECT_EQ(o.alpha, 1e-4);
  EXPECT_EQ(o.seed, 42U);
  r.alpha = 0.0;
  EXPECT_THROW((void)claims::make_check_options(r), InputError);
  r.alpha = 1e-4;
  r.claims = {"bogus"};
  EXPECT_THROW((void)claims::make_check_options(r), InputError);
}

/// The default sweep parses and exercises every claim in at least one block.
TEST(DefaultSweep, ParsesAndCoversEveryClaim) {
  const SweepSpec s = load_sweep(std::string(INITCHECK_SOURCE_DIR) + "/reports/default.yaml");
  std::set<std::string> covered;
  for (const SweepCell& c : s.cells) {
    for (const std::string& id : c.request.claims) {
      EXPECT_NO_THROW(claims::parse_claim(id)) << id;
      covered.insert(id);
    }
  }
  for (claims::ClaimId id : claims::kAllClaims) {
    EXPECT_EQ(covered.count(std::string(claims::claim_name(id))), 1U) << claims::claim_name(id);
  }
  EXPECT_GT(s.cells.size(), 50U);
  EXPECT_LT(s.cells.size(), 1000U);
  // Every cell is valid: `initcheck report` runs it without --allow-invalid.
  SweepSpec marked = s;
  EXPECT_EQ(mark_invalid_cells(marked), 0U);
  for (std::size_t i = 0; i < marked.cells.size(); ++i) {
    EXPECT_TRUE(marked.cells[i].invalid.empty()) << invalid_cell_message(marked, i);
  }
}

}  // namespace
}  // namespace initcheck::sweep
