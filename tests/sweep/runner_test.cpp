#include "initcheck/sweep/runner.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "fake_checker.hpp"
#include "initcheck/claims/claim_id.hpp"
#include "initcheck/core/error.hpp"
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

TEST(Runner, OtherCheckerFailuresAbortTheRun) {
  std::istringstream in("blocks:\n  - init: [kaiming_normal, crash, xavier_normal]\n");
  const SweepSpec s = parse_sweep(in, "crash.yaml");
  RunOptions options;
  options.jobs = 2;
  EXPECT_THROW(run_sweep(s, sweep_info(s, "crash.yaml"), testing::fake_check, options),
               std::runtime_error);
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
}

}  // namespace
}  // namespace initcheck::sweep
