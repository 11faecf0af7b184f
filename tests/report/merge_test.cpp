/// `initcheck merge` of shard results reproduces a single run byte for byte, whatever the
/// number of threads (a deterministic fake checker stands in for the claims module).

#include <gtest/gtest.h>

#include <sstream>

#include "../sweep/fake_checker.hpp"
#include "initcheck/report/report_files.hpp"
#include "initcheck/sweep/results_json.hpp"
#include "initcheck/sweep/runner.hpp"

namespace initcheck::report {
namespace {

constexpr const char* kSweep = R"yaml(seed: 5
blocks:
  - name: mlps
    init: [kaiming_normal, xavier_normal, lecun_normal]
    activation: [relu, tanh]
    depth: [4, 8]
    width: [16, 64]
    precision: [fp32, fp16]
  - name: invalid
    init: invalid_spec
    activation: relu
)yaml";

sweep::SweepSpec spec() {
  std::istringstream in(kSweep);
  return sweep::parse_sweep(in, "merge.yaml");
}

/// What `initcheck report` does: run, serialize, parse back, render.
std::vector<OutputFile> single_run(int jobs) {
  const sweep::SweepSpec s = spec();
  sweep::RunOptions options;
  options.jobs = jobs;
  const sweep::SweepResults results =
      sweep::run_sweep(s, sweep::sweep_info(s, "merge.yaml"), sweep::testing::fake_check, options);
  std::ostringstream jsonl;
  sweep::write_results_jsonl(jsonl, results);
  std::istringstream in(jsonl.str());
  return render_report(sweep::parse_results_jsonl(in, "results.jsonl"), gain_rows());
}

/// What `initcheck report --shard i/N` (for every i) then `initcheck merge` do.
std::vector<OutputFile> sharded_run(int shards, int jobs) {
  const sweep::SweepSpec s = spec();
  std::vector<sweep::SweepResults> parts;
  std::vector<std::string> names;
  for (int i = shards; i >= 1; --i) {  // merge order must not matter
    sweep::RunOptions options;
    options.jobs = jobs;
    options.shard = {i, shards};
    std::ostringstream jsonl;
    sweep::write_results_jsonl(jsonl, sweep::run_sweep(s, sweep::sweep_info(s, "merge.yaml"),
                                                       sweep::testing::fake_check, options));
    std::istringstream in(jsonl.str());
    names.push_back(shard_file_name(options.shard));
    parts.push_back(sweep::parse_results_jsonl(in, names.back()));
  }
  return render_report(sweep::merge_results(parts, names), gain_rows());
}

void expect_identical(const std::vector<OutputFile>& a, const std::vector<OutputFile>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].name, b[i].name);
    EXPECT_TRUE(a[i].content == b[i].content) << a[i].name << " differs";
  }
}

TEST(Merge, ShardsReproduceASingleRunByteForByte) {
  const std::vector<OutputFile> reference = single_run(1);
  ASSERT_EQ(reference.size(), 2U + 4U);  // report, results and all four plots
  expect_identical(reference, single_run(2));
  expect_identical(reference, sharded_run(3, 2));
  expect_identical(reference, sharded_run(50, 1));  // more shards than cells: some are empty
}

TEST(Merge, ReportListsTheInvalidCell) {
  const std::vector<OutputFile> files = single_run(2);
  EXPECT_NE(files[0].content.find("## Invalid configurations"), std::string::npos);
  EXPECT_NE(files[0].content.find("unknown init scheme 'invalid\\_spec'"), std::string::npos);
}

}  // namespace
}  // namespace initcheck::report
