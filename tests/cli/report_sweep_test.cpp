// `initcheck report --sweep F` with invalid cells (issue #13 items 1 and 5): exit 2 before any
// work, one line naming FILE:LINE of the first invalid cell and the count; `--allow-invalid`
// lists each one and skips them.
// Runs the built binary (INITCHECK_BINARY) in a fresh directory per test.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli_run.hpp"

namespace {

namespace fs = std::filesystem;
using initcheck::cli::testing::line_count;
using initcheck::cli::testing::read_file;

class ReportSweep : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) / ("initcheck_report_sweep_" + std::string(test->name()) +
                                             "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  /// Runs `initcheck report ARGS` in dir_; returns the exit code, keeps stdout and stderr.
  int report(const std::string& args) {
    const std::string command = "cd '" + dir_.string() + "' && '" INITCHECK_BINARY "' report " +
                                args + " > stdout.txt 2> stderr.txt";
    const int status = std::system(command.c_str());
    out_ = read_file((dir_ / "stdout.txt").string());
    err_ = read_file((dir_ / "stderr.txt").string());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }

  fs::path dir_;
  std::string out_;
  std::string err_;
};

// Small cells (depth 2, width 8, batch 8, 2 networks) keep each run well under a second.
constexpr const char* kBad = R"yaml(defaults: {init: kaiming_normal, activation: relu, depth: 2,
           batch: 8, replicates: 2, claims: variance}
blocks:
  - width: [0, 8]
  - {width: 8, init: bogus}
  - {width: 8, claims: batchnorm}
  - {width: 8, tolerance: .nan}
  - {width: 8, batch: -8}
  - widths: [8]
  - {width: 8, depth: 2}
  - {width: 16, claims: [variance, nope]}
)yaml";

TEST_F(ReportSweep, InvalidCellsExitTwoBeforeAnyWork) {
  write("bad.yaml", kBad);
  EXPECT_EQ(report("--sweep bad.yaml --out out"), 2) << err_;
  EXPECT_FALSE(fs::exists(dir_ / "out"));  // nothing computed, nothing written
  EXPECT_TRUE(out_.empty()) << out_;
  // One line: the first invalid cell (file, block line, problem) and how many there are.
  EXPECT_EQ(line_count(err_), 1) << err_;
  for (const char* part : {"initcheck: error: bad.yaml:4: cell 1 (block 1: width=0): --width",
                           "[8 of 9 cells invalid; --allow-invalid lists and skips them]"}) {
    EXPECT_NE(err_.find(part), std::string::npos) << part << "\n" << err_;
  }
}

TEST_F(ReportSweep, AllowInvalidNamesEveryInvalidCell) {
  write("bad.yaml", kBad);
  ASSERT_EQ(report("--sweep bad.yaml --out out --allow-invalid --jobs 1"), 0) << err_;
  // One warning per invalid cell (8 of 9), each naming the file, the block's line and the
  // problem, then the skip count.
  EXPECT_EQ(line_count(err_), 9) << err_;
  for (const char* part :
       {"bad.yaml:4: cell 1 (block 1: width=0): --width must be in", "bad.yaml:5: cell 3 ",
        "unknown init scheme 'bogus'", "bad.yaml:6: cell 4 ",
        "claim 'batchnorm' does not apply: needs --norm batchnorm", "bad.yaml:7: cell 5 ",
        "--tolerance", "bad.yaml:8: cell 6 ", "--batch", "bad.yaml:9: cell 7 ",
        "--widths needs at least two entries",
        "bad.yaml:10: cell 8 (block 7): the same configuration as cell 2 (line 4)",
        "bad.yaml:11: cell 9 ", "unknown claim 'nope'", "skipping 8 invalid cells"}) {
    EXPECT_NE(err_.find(part), std::string::npos) << part << "\n" << err_;
  }
}

TEST_F(ReportSweep, AllowInvalidListsSkipsAndGoesOn) {
  write("bad.yaml", kBad);
  ASSERT_EQ(report("--sweep bad.yaml --out out --allow-invalid --jobs 1"), 0) << err_;
  EXPECT_NE(err_.find("initcheck: warning: bad.yaml:4: cell 1"), std::string::npos) << err_;
  EXPECT_NE(err_.find("skipping 8 invalid cells (--allow-invalid); checking the other 1"),
            std::string::npos)
      << err_;
  EXPECT_TRUE(fs::exists(dir_ / "out" / "report.md"));
  // The skipped cells are recorded as invalid rows; the valid one was checked.
  const std::string results = read_file((dir_ / "out" / "results.jsonl").string());
  EXPECT_EQ(line_count(results), 9) << results;
  EXPECT_NE(results.find("the same configuration as cell 2"), std::string::npos);
}

// Issue #16: the invalid cells are listed before any work, not after the sweep: here the
// user's own report.md in --out stops the run before the first cell, after the warnings.
TEST_F(ReportSweep, AllowInvalidListsInvalidCellsBeforeAnyWork) {
  write("bad.yaml", kBad);
  fs::create_directories(dir_ / "out");
  write("out/report.md", "my notes\n");
  EXPECT_EQ(report("--sweep bad.yaml --out out --allow-invalid --jobs 1"), 2) << err_;
  const std::size_t first = err_.find("initcheck: warning: bad.yaml:4: cell 1");
  const std::size_t skipping = err_.find("skipping 8 invalid cells");
  const std::size_t refused = err_.find("initcheck: error: ");
  EXPECT_LT(first, skipping) << err_;
  EXPECT_LT(skipping, refused) << err_;
  EXPECT_FALSE(fs::exists(dir_ / "out" / "results.jsonl"));  // no cell ran
  EXPECT_EQ(read_file((dir_ / "out" / "report.md").string()), "my notes\n");
}

// TOML sweeps (issue #16): checked like YAML ones; a syntax error is one FILE:LINE line.
TEST_F(ReportSweep, TomlSweepRunsAndMalformedTomlIsOneLine) {
  write("grid.toml",
        "[[blocks]]\ninit = \"kaiming_normal\"\nactivation = \"relu\"\ndepth = 2\n"
        "width = [8, 16]\nbatch = 8\nreplicates = 2\nclaims = \"variance\"\n");
  ASSERT_EQ(report("--sweep grid.toml --out out --jobs 1"), 0) << err_;
  EXPECT_EQ(line_count(read_file((dir_ / "out" / "results.jsonl").string())), 2);

  write("bad.toml", "[[blocks]]\ninit = kaiming_normal\n");
  EXPECT_EQ(report("--sweep bad.toml --out out2"), 2);
  EXPECT_EQ(line_count(err_), 1) << err_;
  EXPECT_EQ(err_.find("initcheck: error: bad.toml:2: TOML syntax error: "), 0U) << err_;
  EXPECT_FALSE(fs::exists(dir_ / "out2"));
}

// Every key the sweep reader accepts (as its own "unknown key" message lists them) has a row
// of its own in `report --help`; tests/sweep/sweep_schema_test.cpp holds README and the JSON
// Schema to the same keys.
TEST_F(ReportSweep, HelpListsEverySweepKey) {
  const auto accepted = [this](const std::string& yaml) {
    write("keys.yaml", yaml);
    EXPECT_EQ(report("--sweep keys.yaml --out out"), 2);
    const std::string marker = "expected one of: ";
    const std::size_t at = err_.find(marker);
    EXPECT_NE(at, std::string::npos) << err_;
    std::vector<std::string> keys;
    std::istringstream list(err_.substr(at + marker.size()));
    for (std::string key; std::getline(list, key, ',');) {
      keys.push_back(key.substr(key.find_first_not_of(' '),
                                key.find_last_not_of(" \n") - key.find_first_not_of(' ') + 1));
    }
    return keys;
  };
  std::vector<std::string> keys = accepted("blocks:\n  - {not_a_key: 1}\n");
  EXPECT_EQ(keys.size(), 26U);
  for (const std::string& key : accepted("not_a_key: 1\n")) keys.push_back(key);
  ASSERT_EQ(report("--help"), 0) << err_;
  for (const std::string& key : keys) {
    // "  KEY  TYPE  meaning": two spaces after the key, unlike the examples' "  KEY = ".
    EXPECT_NE(out_.find("\n  " + key + "  "), std::string::npos) << "'" << key << "'\n" << out_;
  }
}

TEST_F(ReportSweep, EveryCellInvalidIsExitTwoEvenWithAllowInvalid) {
  write("none.yaml", "blocks:\n  - {init: kaiming_normal, activation: relu, width: [0, -1]}\n");
  EXPECT_EQ(report("--sweep none.yaml --out out --allow-invalid"), 2);
  EXPECT_NE(err_.find("[every cell of the sweep is invalid: 2 of 2 cells invalid]"),
            std::string::npos)
      << err_;
  EXPECT_FALSE(fs::exists(dir_ / "out"));
}

// Structure errors are exit 2 with one line and never exit 4 (a non-scalar key used to be).
TEST_F(ReportSweep, StructureErrorsExitTwoWithOneLine) {
  const std::string ok = "init: kaiming_normal, activation: relu";
  const std::pair<std::string, std::string> cases[] = {
      {"blocks:\n  - {" + ok + ", [a, b]: 1}\n", "f.yaml:2: a key must be a plain name"},
      {"? {a: 1}\n: 2\nblocks: [{" + ok + "}]\n", "f.yaml:1: a key must be a plain name"},
      {"blocks:\n  - {" + ok + ", width: 8, width: 16}\n", "f.yaml:2: duplicate key 'width'"},
      {"blocks:\n  - {" + ok + ", width: 8, widths: [8, 8]}\n", "sets both 'width' and 'widths'"},
      {"blocks:\n  - {" + ok + "}\n---\nblocks: []\n", "f.yaml:4: a sweep file holds one YAML"},
      {"blocks:\n  - {activation: relu}\n", "f.yaml:2: block 1 has no 'init'"},
      {"blocks:\n  - {" + ok + ", depth: {a: 1}}\n", "f.yaml:2: key 'depth' must be"},
  };
  for (const auto& [yaml, expected] : cases) {
    write("f.yaml", yaml);
    EXPECT_EQ(report("--sweep f.yaml --out out"), 2) << yaml << err_;
    EXPECT_EQ(line_count(err_), 1) << yaml << err_;
    EXPECT_NE(err_.find(expected), std::string::npos) << yaml << err_;
  }
}

}  // namespace
