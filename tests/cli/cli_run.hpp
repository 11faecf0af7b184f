#pragma once
// Runs the built `initcheck` binary (INITCHECK_BINARY) for the CLI tests.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace initcheck::cli::testing {

struct CliRun {
  int code = -1;  ///< exit code; −1 when killed by a signal
  std::string out;
  std::string err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A scratch path unique to the running test and process (builds in other checkouts may run the
/// same test at the same time): TempDir()/initcheck_<suite>_<test>_<pid><suffix>.
inline std::string scratch_path(const std::string& suffix) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(test->test_suite_name()) + "_" + test->name();
  std::replace(name.begin(), name.end(), '/', '_');
  return ::testing::TempDir() + "/initcheck_" + name + "_" + std::to_string(getpid()) + suffix;
}

/// Runs `initcheck ARGS` through /bin/sh (ARGS is shell text: quote values). Standard output goes
/// to `stdout_path` when given (e.g. /dev/full), else to a scratch file that is read back.
inline CliRun run_initcheck(const std::string& args, const std::string& stdout_path = {}) {
  const std::string out = stdout_path.empty() ? scratch_path(".out") : stdout_path;
  const std::string err = scratch_path(".err");
  const std::string cmd = std::string(INITCHECK_BINARY) + " " + args + " >" + out + " 2>" + err;
  const int status = std::system(cmd.c_str());
  CliRun r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (stdout_path.empty()) r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

inline int line_count(const std::string& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace initcheck::cli::testing
