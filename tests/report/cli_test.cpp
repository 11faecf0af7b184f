/// End-to-end checks of `initcheck report` and `initcheck merge` through the built executable:
/// exit codes, error messages and the never-clobber rule.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "initcheck/report/output_dir_lock.hpp"
#include "initcheck/report/report_files.hpp"
#include "initcheck/sweep/results_json.hpp"
#include "synthetic_results.hpp"

namespace initcheck::report {
namespace {

namespace fs = std::filesystem;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("initcheck_cli_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Runs `initcheck ARGS` in dir_; returns the exit code and keeps stderr in err_.
  int initcheck(const std::string& args) {
    const std::string command =
        "cd '" + dir_.string() + "' && '" INITCHECK_CLI "' " + args + " > stdout.txt 2> stderr.txt";
    const int status = std::system(command.c_str());
    err_ = read(dir_ / "stderr.txt");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void write(const fs::path& path, const std::string& text) const {
    fs::create_directories((dir_ / path).parent_path());
    std::ofstream(dir_ / path, std::ios::binary) << text;
  }

  fs::path dir_;
  std::string err_;
};

const std::string kOldReport = std::string(kGeneratedMarker) + "\n# an earlier report\n";

TEST_F(CliTest, BadSweepFilesExitTwoAndLeaveTheReportUntouched) {
  write("out/report.md", kOldReport);
  EXPECT_EQ(initcheck("report --sweep missing.yaml --out out"), 2);
  EXPECT_NE(err_.find("missing.yaml"), std::string::npos) << err_;
  write("bad.yaml", "blocks:\n  - init: kaiming_normal\n    colour: red\n    activation: relu\n");
  EXPECT_EQ(initcheck("report --sweep bad.yaml --out out"), 2);
  EXPECT_NE(err_.find("bad.yaml:3"), std::string::npos) << err_;
  EXPECT_NE(err_.find("'colour'"), std::string::npos) << err_;
  write("empty.yaml", "blocks:\n  - {init: [], activation: relu}\n");
  EXPECT_EQ(initcheck("report --sweep empty.yaml --out out"), 2);
  EXPECT_EQ(read(dir_ / "out/report.md"), kOldReport);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "out"), fs::directory_iterator()), 1);
}

TEST_F(CliTest, BadShardsExitTwo) {
  write("ok.yaml", "blocks:\n  - {init: kaiming_normal, activation: relu}\n");
  for (const char* shard : {"0/3", "4/3", "x"}) {
    EXPECT_EQ(initcheck(std::string("report --sweep ok.yaml --out out --shard ") + shard), 2)
        << shard;
    EXPECT_NE(err_.find("--shard"), std::string::npos) << err_;
  }
  EXPECT_EQ(initcheck("report --sweep ok.yaml --out out --jobs -1"), 2);
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

TEST_F(CliTest, RefusesToOverwriteAUsersFileBeforeRunning) {
  write("ok.yaml", "blocks:\n  - {init: kaiming_normal, activation: relu}\n");
  write("out/report.md", "# my notes\n");
  EXPECT_EQ(initcheck("report --sweep ok.yaml --out out"), 2);
  EXPECT_NE(err_.find("out/report.md"), std::string::npos) << err_;
  EXPECT_NE(err_.find("--force"), std::string::npos) << err_;
  EXPECT_EQ(read(dir_ / "out/report.md"), "# my notes\n");
  write("out/results-1-of-2.jsonl", "my data\n");
  EXPECT_EQ(initcheck("report --sweep ok.yaml --out out --shard 1/2"), 2);
  EXPECT_NE(err_.find("results-1-of-2.jsonl"), std::string::npos) << err_;
}

TEST_F(CliTest, MergeWritesTheReportASingleRunWould) {
  const sweep::SweepResults all = testing::synthetic_results();
  sweep::SweepResults odd{all.info, {}};
  sweep::SweepResults even{all.info, {}};
  for (const sweep::CellResult& c : all.cells) (c.index % 2 == 0 ? even : odd).cells.push_back(c);
  std::ostringstream a;
  std::ostringstream b;
  sweep::write_results_jsonl(a, even);
  sweep::write_results_jsonl(b, odd);
  write("results-1-of-2.jsonl", a.str());
  write("results-2-of-2.jsonl", b.str());

  // Missing shard: exit 2, nothing written.
  EXPECT_EQ(initcheck("merge --out out results-2-of-2.jsonl"), 2);
  EXPECT_NE(err_.find("missing"), std::string::npos) << err_;
  EXPECT_FALSE(fs::exists(dir_ / "out" / kReportFileName));

  ASSERT_EQ(initcheck("merge --out out results-2-of-2.jsonl results-1-of-2.jsonl"), 0) << err_;
  // The same results rendered in-process (through the JSON round trip, as `report` does).
  std::ostringstream jsonl;
  sweep::write_results_jsonl(jsonl, all);
  std::istringstream in(jsonl.str());
  const std::vector<OutputFile> expected =
      render_report(sweep::parse_results_jsonl(in, "results.jsonl"), gain_rows());
  for (const OutputFile& f : expected) {
    EXPECT_TRUE(read(dir_ / "out" / f.name) == f.content) << f.name << " differs";
  }
  // Running again replaces the generated files; a user's file needs --force.
  EXPECT_EQ(initcheck("merge --out out results-1-of-2.jsonl results-2-of-2.jsonl"), 0) << err_;
  write("out/drift-band.svg", "<svg>mine</svg>");
  EXPECT_EQ(initcheck("merge --out out results-1-of-2.jsonl results-2-of-2.jsonl"), 2);
  EXPECT_NE(err_.find("drift-band.svg"), std::string::npos) << err_;
  EXPECT_EQ(initcheck("merge --force --out out results-1-of-2.jsonl results-2-of-2.jsonl"), 0)
      << err_;
}

TEST_F(CliTest, MergeRejectsBadInput) {
  write("junk.jsonl", "{not json\n");
  EXPECT_EQ(initcheck("merge --out out junk.jsonl"), 2);
  EXPECT_NE(err_.find("junk.jsonl:1"), std::string::npos) << err_;
  EXPECT_EQ(initcheck("merge --out out absent.jsonl"), 2);
  EXPECT_NE(err_.find("absent.jsonl"), std::string::npos) << err_;
  EXPECT_EQ(initcheck("merge --out out"), 2);  // no files
}

/// A second writer into the same directory is refused at once (exit 2, one line), as long as
/// the first holds it; shard runs share a directory with each other but not with a full write.
TEST_F(CliTest, RefusesAnOutputDirectoryAnotherRunIsWriting) {
  write("ok.yaml",
        "blocks:\n  - init: kaiming_normal\n    activation: relu\n    depth: 2\n    width: 8\n");
  {
    const OutputDirLock running(dir_ / "out", OutputDirLock::Mode::exclusive);
    EXPECT_EQ(initcheck("report --sweep ok.yaml --out out"), 2);
    EXPECT_NE(err_.find("'out' is in use by another initcheck"), std::string::npos) << err_;
    EXPECT_EQ(std::count(err_.begin(), err_.end(), '\n'), 1) << err_;
    EXPECT_EQ(initcheck("report --sweep ok.yaml --out out --shard 1/2"), 2) << err_;
    EXPECT_EQ(initcheck("merge --out out results-1-of-2.jsonl"), 2) << err_;
    EXPECT_FALSE(fs::exists(dir_ / "out" / kReportFileName));
  }
  {
    const OutputDirLock shard(dir_ / "out", OutputDirLock::Mode::shared);
    EXPECT_EQ(initcheck("report --sweep ok.yaml --out out --shard 1/2"), 0) << err_;
    EXPECT_EQ(initcheck("report --sweep ok.yaml --out out"), 2) << err_;
  }
  EXPECT_EQ(initcheck("report --sweep ok.yaml --out out"), 0) << err_;  // released
}

/// --out is checked before the sweep runs. The sweep's one cell is cheap to validate but would
/// run for ≈ 700 nominal seconds (2000 networks of depth 200, width 1024, within its --budget
/// 1000), so a refusal inside 60 s (it takes milliseconds; under ASan well under a second) can
/// only come before the run: a 10× margin on either side, not a timing measurement.
TEST_F(CliTest, RefusesAnUnwritableOutputBeforeRunning) {
  write("slow.yaml",
        "blocks:\n  - init: kaiming_normal\n    activation: relu\n    depth: 200\n    width: "
        "1024\n    replicates: 2000\n    budget: 1000\n");
  write("taken", "a regular file\n");
  for (const std::string out : {"taken", "taken/sub", "/proc/initcheck-out"}) {
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(initcheck("report --sweep slow.yaml --out " + out), 2) << out;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60)) << out;
    EXPECT_NE(err_.find("output directory '" + out + "'"), std::string::npos) << err_;
    EXPECT_EQ(std::count(err_.begin(), err_.end(), '\n'), 1) << err_;
  }
  EXPECT_EQ(read(dir_ / "taken"), "a regular file\n");
}

/// An empty report.md, or one quoting the marker, is the user's (only the exact header line
/// marks a generated one).
TEST_F(CliTest, RefusesAnEmptyOrQuotingReport) {
  write("ok.yaml",
        "blocks:\n  - init: kaiming_normal\n    activation: relu\n    depth: 2\n    width: 8\n    "
        "batch: 8\n");
  for (const std::string& mine :
       {std::string(), "# notes\nthe header is " + std::string(kGeneratedMarker) + "\n"}) {
    write("out/report.md", mine);
    EXPECT_EQ(initcheck("report --sweep ok.yaml --out out"), 2);
    EXPECT_NE(err_.find("refusing to overwrite 'out/report.md'"), std::string::npos) << err_;
    EXPECT_EQ(read(dir_ / "out/report.md"), mine);
  }
}

/// Real shards (`--sweep ./six.yaml` for one of them) merge into the single run's files; an
/// edited shard is refused naming file:line and the key.
TEST_F(CliTest, MergeAcceptsHonestShardsAndRefusesEditedOnes) {
  write("six.yaml",
        "seed: 3\nblocks:\n  - init: [kaiming_normal, 'normal(std=0.01)']\n    activation: relu\n  "
        "  depth: 3\n"
        "    width: 16\n    batch: 16\n    claims: [variance]\n");
  ASSERT_EQ(initcheck("report --sweep six.yaml --out full"), 0) << err_;
  ASSERT_EQ(initcheck("report --sweep six.yaml --out shards --shard 1/2"), 0) << err_;
  ASSERT_EQ(initcheck("report --sweep ./six.yaml --out shards --shard 2/2"), 0) << err_;
  ASSERT_EQ(initcheck("merge --out merged shards/results-1-of-2.jsonl shards/results-2-of-2.jsonl"),
            0)
      << err_;
  for (const auto& e : fs::directory_iterator(dir_ / "full")) {
    const std::string name = e.path().filename().string();
    EXPECT_TRUE(read(e.path()) == read(dir_ / "merged" / name)) << name << " differs";
  }

  // Cell 1 (normal(std=0.01): the variance shrinks ×1e-4 per layer) is violated.
  const std::string shard = read(dir_ / "shards/results-2-of-2.jsonl");
  const std::string violated = "\"verdict\":\"violated\"";
  ASSERT_NE(shard.find(violated), std::string::npos) << shard;
  std::string flipped = shard;
  flipped.replace(flipped.find(violated), violated.size(), "\"verdict\":\"holds\"");
  write("flipped.jsonl", flipped);
  EXPECT_EQ(initcheck("merge --out bad shards/results-1-of-2.jsonl flipped.jsonl"), 2);
  EXPECT_NE(err_.find("flipped.jsonl:1: key 'claims[variance].verdict'"), std::string::npos)
      << err_;
  std::string deeper = shard;
  deeper.replace(deeper.find("\"depth\":3"), 9, "\"depth\":-5");
  write("deeper.jsonl", deeper);
  EXPECT_EQ(initcheck("merge --out bad shards/results-1-of-2.jsonl deeper.jsonl"), 2);
  EXPECT_NE(err_.find("deeper.jsonl:1: key 'request' is not a valid configuration"),
            std::string::npos)
      << err_;
  EXPECT_FALSE(fs::exists(dir_ / "bad" / kReportFileName));
}

}  // namespace
}  // namespace initcheck::report
