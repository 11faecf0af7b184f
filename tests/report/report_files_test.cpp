#include "initcheck/report/report_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "initcheck/core/error.hpp"
#include "initcheck/report/output_dir_lock.hpp"
#include "initcheck/sweep/results_json.hpp"
#include "synthetic_results.hpp"

namespace initcheck::report {
namespace {

namespace fs = std::filesystem;

class ReportFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("initcheck_report_files_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void write(const std::string& name, const std::string& content) const {
    fs::create_directories(dir_);
    std::ofstream(dir_ / name, std::ios::binary) << content;
  }
  /// Names of the files in the directory (temporary files included).
  [[nodiscard]] std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) {
      names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  /// A report set as initcheck writes it: report.md, results.jsonl and plots.
  static std::vector<OutputFile> files(const std::string& tag,
                                       const std::vector<std::string>& plots = {
                                           "forward-std.svg"}) {
    std::vector<OutputFile> set = {
        {kReportFileName, generated_header(kReportFileName) + "# report " + tag + "\n"},
        {kResultsFileName, generated_header(kResultsFileName) + "\"tag\":\"" + tag + "\"}\n"}};
    for (const std::string& plot : plots) {
      set.push_back({plot, generated_header(plot) + "<svg>" + tag + "</svg>\n"});
    }
    return set;
  }
  /// The directory holds exactly `set` (and its manifest, plus `extra` files).
  void expect_set(const std::vector<OutputFile>& set, std::vector<std::string> extra = {}) const {
    std::vector<std::string> names = std::move(extra);
    names.push_back(kManifestFileName);
    for (const OutputFile& f : set) {
      names.push_back(f.name);
      EXPECT_EQ(read(dir_ / f.name), f.content) << f.name;
    }
    std::sort(names.begin(), names.end());
    EXPECT_EQ(listing(), names);
  }

  fs::path dir_;
};

/// A PID no process has (above Linux's pid_max): the temporary files of a killed run.
constexpr const char* kDeadPid = "999999999";

/// flock semantics: one exclusive holder, or any number of shared ones; a conflicting request
/// fails at once (never waits) and the lock goes with its object. No file is left behind.
TEST_F(ReportFilesTest, OutputDirLockAdmitsOneWriterOrManyShardRuns) {
  using Mode = OutputDirLock::Mode;
  {
    const OutputDirLock writer(dir_ / "out", Mode::exclusive);
    EXPECT_TRUE(fs::is_directory(dir_ / "out"));
    EXPECT_THROW(OutputDirLock(dir_ / "out", Mode::exclusive), InputError);
    EXPECT_THROW(OutputDirLock(dir_ / "out", Mode::shared), InputError);
  }
  {
    const OutputDirLock shard1(dir_ / "out", Mode::shared);
    const OutputDirLock shard2(dir_ / "out", Mode::shared);
    EXPECT_THROW(OutputDirLock(dir_ / "out", Mode::exclusive), InputError);
  }
  EXPECT_NO_THROW(OutputDirLock(dir_ / "out", Mode::exclusive));
  EXPECT_TRUE(fs::is_empty(dir_ / "out"));
  write("file", "x");
  EXPECT_THROW(OutputDirLock(dir_ / "file", Mode::exclusive), InputError);
}

TEST_F(ReportFilesTest, CreatesTheDirectoryAndReplacesItsOwnFiles) {
  write_report(dir_, files("one"), false);
  expect_set(files("one"));
  write_report(dir_, files("two"), false);  // carries the header: replaced without --force
  expect_set(files("two"));                 // and no temporary files are left
}

TEST_F(ReportFilesTest, RefusesAUsersFileWithoutForceAndTouchesNothing) {
  write_report(dir_, files("old"), false);
  write(kReportFileName, "# my own notes\n");
  try {
    write_report(dir_, files("new"), false);
    FAIL() << "overwrote a file without the header";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find((dir_ / kReportFileName).string()), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos);
  }
  EXPECT_EQ(read(dir_ / kReportFileName), "# my own notes\n");
  EXPECT_EQ(read(dir_ / "forward-std.svg"), files("old")[2].content);  // the rest is untouched
  EXPECT_EQ(listing().size(), 4U);

  write_report(dir_, files("new"), true);  // --force
  expect_set(files("new"));
}

/// Only a file that starts with the exact header initcheck writes is generated: an empty file,
/// or one that quotes the marker (even in its first line or its first 512 bytes), is the user's.
TEST_F(ReportFilesTest, OnlyTheExactHeaderMarksAGeneratedFile) {
  write(kReportFileName, "");
  EXPECT_FALSE(may_overwrite(dir_ / kReportFileName));
  write(kReportFileName, "# notes\nI keep " + std::string(kGeneratedMarker) + " here\n");
  EXPECT_FALSE(may_overwrite(dir_ / kReportFileName));
  write(kReportFileName, std::string(kGeneratedMarker) + " my notes\n");
  EXPECT_FALSE(may_overwrite(dir_ / kReportFileName));
  write(kReportFileName, std::string(kGeneratedMarker));  // no line end: not the header line
  EXPECT_FALSE(may_overwrite(dir_ / kReportFileName));
  write(kReportFileName, std::string(kGeneratedMarker) + "\n# initcheck stability report\n");
  EXPECT_TRUE(may_overwrite(dir_ / kReportFileName));

  write("plot.svg", "<svg><!-- generated by initcheck report; do not edit --></svg>\n");
  EXPECT_FALSE(may_overwrite(dir_ / "plot.svg"));
  write("plot.svg", generated_header("plot.svg") + "<svg/>\n");
  EXPECT_TRUE(may_overwrite(dir_ / "plot.svg"));

  write(kResultsFileName, "");
  EXPECT_FALSE(may_overwrite(dir_ / kResultsFileName));
  write(kResultsFileName, "{\"other\": 1, \"format\":\"initcheck-results-v1\"}\n");
  EXPECT_FALSE(may_overwrite(dir_ / kResultsFileName));
  std::ostringstream jsonl;
  sweep::write_results_jsonl(jsonl, testing::synthetic_results());
  write(kResultsFileName, jsonl.str());
  EXPECT_TRUE(may_overwrite(dir_ / kResultsFileName));

  write("notes.txt", std::string(kGeneratedMarker) + "\n");  // no kind initcheck writes
  EXPECT_FALSE(may_overwrite(dir_ / "notes.txt"));
  write(kManifestFileName, "my manifest\n");
  EXPECT_FALSE(may_overwrite(dir_ / kManifestFileName));
  EXPECT_TRUE(may_overwrite(dir_ / "absent.md"));
}

TEST_F(ReportFilesTest, NeverReplacesADirectoryEvenWithForce) {
  fs::create_directories(dir_ / kReportFileName);
  EXPECT_THROW(write_report(dir_, files("x"), true), InputError);
  EXPECT_TRUE(fs::is_directory(dir_ / kReportFileName));
  EXPECT_FALSE(fs::exists(dir_ / "forward-std.svg"));
}

TEST_F(ReportFilesTest, RemovesPlotsTheNewSetLacksButNotAUsersFile) {
  write_report(dir_, files("wide", {"forward-std.svg", "precision-events.svg", "drift-band.svg"}),
               false);
  write("drift-band.svg", "<svg>my own drawing</svg>\n");
  write_report(dir_, files("narrow"), false);  // an fp32-only sweep: no precision plot
  expect_set(files("narrow"), {"drift-band.svg"});
  EXPECT_EQ(read(dir_ / "drift-band.svg"), "<svg>my own drawing</svg>\n");
}

TEST_F(ReportFilesTest, RemovesTemporaryFilesOfDeadRuns) {
  write(std::string(".report.md.") + kDeadPid + ".tmp", "half a report");
  write(std::string(".results.jsonl.") + kDeadPid + ".tmp", "");
  write(".notes.md.123.tmp", "not one of ours");
  write_report(dir_, files("one"), false);
  expect_set(files("one"), {".notes.md.123.tmp"});
}

/// A run killed between the commit (manifest renamed into place) and the last rename leaves
/// report.md and a plot of the new set, results.jsonl and a plot of the old one, and the new ones
/// as temporary files: the next write finishes the replacement before anything else.
TEST_F(ReportFilesTest, FinishesAReplacementAKilledRunLeft) {
  const std::vector<OutputFile> old_set = files("old", {"forward-std.svg", "drift-band.svg"});
  const std::vector<OutputFile> new_set = files("new", {"forward-std.svg", "drift-band.svg"});
  write_report(dir_, old_set, false);
  // Simulate the kill: the new manifest committed, one file renamed, two still pending.
  write_report(dir_ / "scratch", new_set, false);
  fs::rename(dir_ / "scratch" / kManifestFileName, dir_ / kManifestFileName);
  for (const char* name : {kReportFileName, "forward-std.svg"}) {
    fs::rename(dir_ / "scratch" / name, dir_ / name);
  }
  for (const char* name : {kResultsFileName, "drift-band.svg"}) {
    fs::rename(dir_ / "scratch" / name, dir_ / (std::string(".") + name + "." + kDeadPid + ".tmp"));
  }
  fs::remove_all(dir_ / "scratch");
  EXPECT_EQ(read(dir_ / kResultsFileName), old_set[1].content);  // a mixed set, for now

  recover_output_dir(dir_, {});
  expect_set(new_set);
}

/// A failure while the temporary files are written (here: one path is taken by a directory)
/// changes nothing: the old set stays whole and no temporary file is left.
TEST_F(ReportFilesTest, AFailureBeforeTheCommitLeavesTheOldSet) {
  const std::vector<OutputFile> old_set = files("old");
  write_report(dir_, old_set, false);
  const fs::path blocked = dir_ / (".forward-std.svg." + std::to_string(::getpid()) + ".tmp");
  fs::create_directories(blocked / "x");
  EXPECT_THROW(write_report(dir_, files("new"), false), InputError);
  fs::remove_all(blocked);
  expect_set(old_set);
}

TEST_F(ReportFilesTest, PrepareRefusesAnOutputThatCannotBeWritten) {
  write("file", "x");
  try {
    prepare_output_dir(dir_ / "file", {kReportFileName}, false);
    FAIL() << "accepted a regular file as the output directory";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is not a directory"), std::string::npos) << e.what();
  }
  EXPECT_THROW(prepare_output_dir(dir_ / "file" / "sub", {}, false), InputError);
  EXPECT_THROW(prepare_output_dir("/proc/initcheck-out", {}, false), InputError);
  prepare_output_dir(dir_ / "new", {kReportFileName}, false);
  EXPECT_TRUE(fs::is_directory(dir_ / "new"));
  EXPECT_TRUE(fs::is_empty(dir_ / "new"));  // the probe file is gone
}

TEST_F(ReportFilesTest, WritesOneShardFile) {
  write_output_file(dir_, {"results-1-of-2.jsonl", "{\"format\":\"initcheck-results-v1\",}\n"},
                    false);
  EXPECT_EQ(listing(), std::vector<std::string>{"results-1-of-2.jsonl"});
}

TEST_F(ReportFilesTest, NamesShardFiles) {
  EXPECT_EQ(shard_file_name({2, 4}), "results-2-of-4.jsonl");
}

}  // namespace
}  // namespace initcheck::report
